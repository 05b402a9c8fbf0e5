// What each feature adds per item when it is on: the no-op job of bench/runtime.ts with one
// option set at a time, each run back to back with a reference run (the plain job, or the bare
// loop, or BullMQ's step-job pattern), the order swapped every round. A shared machine slows whole
// stretches of a run down; a pair a second apart mostly sees the same stretch, so the median of
// the per-round differences says what the option costs even when absolute rates swing.
import pg from 'pg';

import { pgTransactions } from '../src/index.js';
import type { BackendTarget, JobShape } from './runtime.js';
import { bareLoop, iterationRun, stepJobPattern } from './runtime.js';
import { withSdk } from './telemetry.js';

/** Items per run: no-op variants, per-item durable writes, transactions. */
export interface CostSizes {
  readonly items: number;
  /** Strict checkpoints and the step-job pattern: one store write per item. */
  readonly durable: number;
  /** One transaction per item; the grouped variant runs ten times as many. */
  readonly transactions: number;
}

export const FULL_COST_SIZES: CostSizes = { items: 300_000, durable: 5_000, transactions: 2_000 };
export const QUICK_COST_SIZES: CostSizes = { items: 50_000, durable: 500, transactions: 300 };

/** One figure of the table: `subject` against `reference`, both measured in every round. */
export interface CostRow {
  readonly name: string;
  /** The option as a user spells it (markdown). */
  readonly option: string;
  readonly reference: string;
  readonly items: number;
  /** The subject's best round. */
  readonly perSecond: number;
  /** Median over rounds of the subject's rate over the reference's rate in the same round. */
  readonly ratio: number;
  /** Median over rounds of (1/subject − 1/reference) · 1e6: microseconds the option adds. */
  readonly addedMicros: number;
  /** Every round's ratio, in order, so a swinging figure shows it. */
  readonly ratios: readonly number[];
}

/** A timed run: its items and a function that runs them and resolves the seconds they took. */
interface Runner {
  readonly label: string;
  readonly items: number;
  run(): Promise<number>;
}

interface Comparison {
  readonly name: string;
  readonly option: string;
  readonly subject: Runner;
  readonly reference: Runner;
}

const TX_SCHEMA = 'bench_costs';

/** The comparisons, in the order of the table. */
function comparisons(target: BackendTarget, sizes: CostSizes, pool: pg.Pool): Comparison[] {
  const { items, durable, transactions } = sizes;
  const job = (label: string, n: number, shape: JobShape = {}): Runner => ({
    label,
    items: n,
    run: () => iterationRun(target, n, 'coalesced', {}, shape),
  });
  const baseline = job('plain job', items);
  const bare: Runner = { label: 'bare async loop', items, run: () => bareLoop(items) };
  const strict: Runner = {
    label: 'strict checkpoints',
    items: durable,
    run: () => iterationRun(target, durable, 'strict'),
  };
  const stepJob: Runner = {
    label: 'BullMQ step job',
    items: durable,
    run: () => stepJobPattern(target, durable),
  };
  const feature = (name: string, option: string, shape: JobShape, n = items): Comparison => ({
    name,
    option,
    subject: job(name, n, shape),
    reference: baseline,
  });
  // Far above what a run reaches, so the limits are checked after every item and never stop it.
  const never = 1e12;
  const tx = (itemsPerTransaction: number) =>
    pgTransactions(pool, { schema: TX_SCHEMA, itemsPerTransaction });
  return [
    { name: 'every option off', option: '(none)', subject: baseline, reference: bare },
    feature('item policy', "`itemErrors: { action: 'skip' }` (no item fails)", {
      options: { itemErrors: { action: 'skip' } },
    }),
    feature('limits', '`maxItems`, `maxItemsPerRun` (never reached), `maxRuntimeMs: 3_600_000`', {
      options: { maxItems: never, maxItemsPerRun: never, maxRuntimeMs: 3_600_000 },
    }),
    feature('run condition', '`interruptWhen: () => false`', {
      options: { interruptWhen: () => false },
    }),
    feature('throttle condition', "`throttle: { name: 'ok', check: () => false }`", {
      options: { throttle: { name: 'ok', check: () => false } },
    }),
    {
      name: 'telemetry',
      option: 'OpenTelemetry SDK registered (run span, sampled item durations)',
      subject: { label: 'telemetry', items, run: () => withSdk(target, items) },
      reference: baseline,
    },
    feature('weights', "the enumerator's `itemWeight(item)` (1 each)", { weighed: true }),
    feature('rate limit', '`rate: { itemsPerSecond: 1e9 }` (never waits)', {
      options: { rate: { itemsPerSecond: 1e9 } },
    }),
    // Every item arms and clears two timers and an AbortSignal: fewer items keep the run short.
    feature(
      'item timeout',
      '`itemTimeoutMs: 60_000`',
      { options: { itemTimeoutMs: 60_000 } },
      Math.max(1, Math.round(items / 5)),
    ),
    feature('version', '`version: 2`', { options: { version: 2 } }),
    feature('steps', '`steps: [{ name, buildEnumerator, eachIteration }]`', { asStep: true }),
    {
      name: 'strict checkpoints',
      option: "`checkpointMode: 'strict'`",
      subject: strict,
      reference: baseline,
    },
    {
      name: 'strict checkpoints vs step job',
      option: "`checkpointMode: 'strict'` against `job.updateData` per item",
      subject: strict,
      reference: stepJob,
    },
    feature(
      'transactions, one per item',
      '`transactional: pgTransactions(pool)`',
      { options: { transactional: tx(1) } },
      transactions,
    ),
    feature(
      'transactions, 100 items each',
      '`pgTransactions(pool, { itemsPerTransaction: 100 })`',
      { options: { transactional: tx(100) } },
      transactions * 10,
    ),
  ];
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Measures every comparison `rounds` times on `target` (Redis), the transactions' data in the
 * PostgreSQL at `postgresUrl`; the queue of every job, transactional or not, is on `target`.
 */
export async function benchmarkCosts(
  target: BackendTarget,
  postgresUrl: string,
  sizes: CostSizes,
  rounds: number,
  onProgress: (line: string) => void,
): Promise<CostRow[]> {
  const pool = new pg.Pool({ connectionString: postgresUrl, max: 4 });
  pool.on('error', (err) => console.error('idle PostgreSQL client failed', err));
  try {
    // Created before any timing: a first run would otherwise create the table under its lock.
    await pgTransactions(pool, { schema: TX_SCHEMA }).migrate();
    const list = comparisons(target, sizes, pool);
    // Untimed: the first pairs would otherwise run on code the JIT has not optimised yet, which
    // made the plain job up to twice as slow as its partner in a first round.
    onProgress('costs: warming up');
    await list[0]!.reference.run();
    await list[0]!.subject.run();
    // Seconds per item of each round: [subject, reference].
    const timings = list.map(() => [] as [number, number][]);
    for (let round = 0; round < rounds; round++) {
      for (const [i, c] of list.entries()) {
        onProgress(`costs: round ${round + 1}/${rounds}, ${c.name}`);
        const perItem = async (r: Runner) => (await r.run()) / r.items;
        // Swapped every round, so neither side always runs on a warmer process.
        const subjectFirst = round % 2 === 1;
        const first = await perItem(subjectFirst ? c.subject : c.reference);
        const second = await perItem(subjectFirst ? c.reference : c.subject);
        timings[i]!.push(subjectFirst ? [first, second] : [second, first]);
      }
    }
    return list.map((c, i) => {
      const pairs = timings[i]!;
      const ratios = pairs.map(([s, r]) => r / s);
      return {
        name: c.name,
        option: c.option,
        reference: c.reference.label,
        items: c.subject.items,
        perSecond: 1 / Math.min(...pairs.map(([s]) => s)),
        ratio: median(ratios),
        addedMicros: median(pairs.map(([s, r]) => (s - r) * 1e6)),
        ratios,
      };
    });
  } finally {
    await pool.end();
  }
}
