// Run rate limits: one parallel run of 16 range partitions (each item awaits a 1 ms timer) on 4
// worker processes (concurrency 4 each), limited to 2,000 items a second through the enqueue
// options. The workers count every item that ends, per 10 ms of the clock, and send the counts to
// the benchmark. After a warm-up (the first second's burst spent, every partition started), the
// items of a steady window (30 s) give the achieved rate; then `setRunRate` brings the limit down
// to 1,000 and later up to 3,000, and each change is followed for a while: the time from the call
// to the end of the first 500 ms window within 5% of the new limit, and how many of the 500 ms
// windows after it (sliding by 10 ms) stay within 5%, as the steady window's do. Target (issue 22): within 5% of 2,000 over 30 s, following a change within 2 s.
//   tsx bench/rate.ts [--quick] [--backend redis|postgres|pglite]
// `npm run bench` runs it too; `npm run bench -- --only rate` rewrites only its section.
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

import { getRun, setRunRate } from '../src/index.js';
import { IO_MS, isCounts, PARTITIONS, PROCESSES, rateBenchJob, SLOT_MS } from './rate-job.js';
import { loadBetween, readServerLoad } from './server-load.js';
import { benchQueue, startWorkers } from './worker-processes.js';

export const RATE_HEADING = '## Run rate limits';

/** The limit the run starts with, and the two it is set to while it goes on. */
const START = 2_000;
const CHANGES = [1_000, 3_000] as const;
const WINDOW_MS = 500;
const TOLERANCE = 0.05;

export interface RateTarget {
  readonly name: string;
  readonly kind: 'redis' | 'postgres';
  readonly url: string;
  /** Whether the server's calls can be read (not PGlite's, in the benchmark's own process). */
  readonly serverCalls: boolean;
}

/** How long each phase lasts: the recorded figures are the full ones. */
export interface RatePhases {
  readonly warmupMs: number;
  readonly steadyMs: number;
  /** Each change of the limit is followed this long. */
  readonly followMs: number;
}

export const FULL_PHASES: RatePhases = { warmupMs: 5_000, steadyMs: 30_000, followMs: 10_000 };
export const QUICK_PHASES: RatePhases = { warmupMs: 3_000, steadyMs: 5_000, followMs: 5_000 };

export interface RateChange {
  readonly from: number;
  readonly to: number;
  /** From the call to the end of the first 500 ms window within 5% of `to`; undefined: none. */
  readonly firstWithinMs: number | undefined;
  /** The share of the 500 ms windows after that first one that are within 5% too. */
  readonly withinAfter: number;
  /** The mean rate over the second half of the phase. */
  readonly plateau: number;
}

export interface RateResult {
  readonly backend: string;
  readonly target: number;
  readonly steadySeconds: number;
  readonly achieved: number;
  /** (achieved - target) / target, in %. */
  readonly deviation: number;
  /** The slowest and fastest whole seconds of the steady window. */
  readonly secondMin: number;
  readonly secondMax: number;
  /** The share of the steady window's 500 ms windows within 5% of the target. */
  readonly windowsWithin: number;
  readonly changes: readonly RateChange[];
  /** The 1-minute load average before the backend's round and after it. */
  readonly load: readonly [number, number];
  readonly workerCpuMsPerK: number;
  /** Over the steady window: Redis commands, or PostgreSQL transactions, per item. */
  readonly serverCallsPerItem: number | undefined;
}

/** Items ended per 10 ms slot, summed over the worker processes. */
class Timeline {
  readonly #slots = new Map<number, number>();
  total = 0;

  add(counts: readonly [number, number][]): void {
    for (const [slot, n] of counts) {
      this.#slots.set(slot, (this.#slots.get(slot) ?? 0) + n);
      this.total += n;
    }
  }

  /** Items that ended in [fromMs, toMs), to the slot. */
  between(fromMs: number, toMs: number): number {
    let sum = 0;
    for (let slot = Math.floor(fromMs / SLOT_MS); slot < Math.floor(toMs / SLOT_MS); slot++) {
      sum += this.#slots.get(slot) ?? 0;
    }
    return sum;
  }

  /** Items a second in [fromMs, toMs). */
  rate(fromMs: number, toMs: number): number {
    return (this.between(fromMs, toMs) * 1000) / (toMs - fromMs);
  }

  /** The rates of the windows of `windowMs` ending every slot from `fromMs + windowMs` to `toMs`. */
  windows(fromMs: number, toMs: number, windowMs: number): [end: number, rate: number][] {
    const out: [number, number][] = [];
    for (let end = fromMs + windowMs; end <= toMs; end += SLOT_MS) {
      out.push([end, this.rate(end - windowMs, end)]);
    }
    return out;
  }
}

const within = (rate: number, target: number) => Math.abs(rate - target) <= target * TOLERANCE;

function followed(
  timeline: Timeline,
  from: number,
  to: number,
  changedAt: number,
  endAt: number,
): RateChange {
  const windows = timeline.windows(changedAt, endAt, WINDOW_MS);
  const first = windows.findIndex(([, rate]) => within(rate, to));
  const after = first === -1 ? [] : windows.slice(first);
  return {
    from,
    to,
    firstWithinMs: first === -1 ? undefined : windows[first]![0] - changedAt,
    withinAfter: after.filter(([, rate]) => within(rate, to)).length / Math.max(1, after.length),
    plateau: timeline.rate(endAt - (endAt - changedAt) / 2, endAt),
  };
}

export async function benchmarkRate(
  target: RateTarget,
  phases: RatePhases,
  progress: (line: string) => void,
): Promise<RateResult> {
  const queueName = `bench-rate-${Date.now()}`;
  const queue = benchQueue(target.kind, target.url, queueName);
  const timeline = new Timeline();
  const loadBefore = loadavg()[0]!;
  const workers = await startWorkers(
    PROCESSES,
    {
      BACKEND: target.kind,
      URL: target.url,
      QUEUE: queueName,
      CONCURRENCY: PARTITIONS / PROCESSES,
    },
    {
      script: new URL('rate-worker.ts', import.meta.url).pathname,
      onMessage: (message) => {
        if (!isCounts(message)) return false;
        timeline.add(message.counts);
        return true;
      },
    },
  );
  try {
    // Enough items that the run is still going when the last phase ends, with room to spare.
    const seconds = (ms: number) => ms / 1000;
    const items = Math.ceil(
      1.5 *
        (START * (1 + seconds(phases.warmupMs + phases.steadyMs)) +
          CHANGES.reduce((sum, rate) => sum + rate * seconds(phases.followMs), 0)),
    );
    const parent = await rateBenchJob.enqueue(
      queue as never,
      { items },
      { rate: { itemsPerSecond: START } },
    );
    progress(`rate on ${target.name}: waiting for the first items`);
    while (timeline.total === 0) await sleep(20);
    progress(`rate on ${target.name}: warm-up, ${phases.warmupMs / 1000} s`);
    await sleep(phases.warmupMs);
    const server = () =>
      target.serverCalls ? readServerLoad(target.kind, target.url) : Promise.resolve(undefined);
    const serverBefore = await server();
    const steadyFrom = Date.now();
    progress(`rate on ${target.name}: ${START} items/s, ${phases.steadyMs / 1000} s`);
    await sleep(phases.steadyMs);
    const steadyTo = Date.now();
    const serverAfter = await server();
    const marks: [from: number, to: number, at: number][] = [];
    let from = START;
    for (const to of CHANGES) {
      progress(`rate on ${target.name}: setRunRate ${to}, followed ${phases.followMs / 1000} s`);
      const at = Date.now();
      await setRunRate(queue as never, parent.id!, to);
      marks.push([from, to, at]);
      from = to;
      await sleep(phases.followMs);
    }
    const endAt = Date.now();
    // The counts of the last items are at most one flush behind.
    await sleep(300);
    const run = await getRun(queue as never, parent.id!);
    if (run.status === 'completed' || run.status === 'failed') {
      throw new Error(`the run was ${run.status} before the benchmark ended`);
    }
    const reports = await workers.stop();
    const achieved = timeline.rate(steadyFrom, steadyTo);
    const perSecond = [];
    for (let t = steadyFrom; t + 1000 <= steadyTo; t += 1000) {
      perSecond.push(timeline.rate(t, t + 1000));
    }
    const steadyWindows = timeline.windows(steadyFrom - WINDOW_MS, steadyTo, WINDOW_MS);
    const changes = marks.map(([a, b, at], i) =>
      followed(timeline, a, b, at, marks[i + 1]?.[2] ?? endAt),
    );
    return {
      backend: target.name,
      target: START,
      steadySeconds: (steadyTo - steadyFrom) / 1000,
      achieved,
      deviation: ((achieved - START) / START) * 100,
      secondMin: Math.min(...perSecond),
      secondMax: Math.max(...perSecond),
      windowsWithin:
        steadyWindows.filter(([, rate]) => within(rate, START)).length / steadyWindows.length,
      changes,
      load: [loadBefore, loadavg()[0]!],
      serverCallsPerItem:
        serverBefore === undefined || serverAfter === undefined
          ? undefined
          : loadBetween(serverBefore, serverAfter).calls /
            (achieved * ((steadyTo - steadyFrom) / 1000)),
      workerCpuMsPerK:
        (reports.reduce((sum, r) => sum + r.cpuMs, 0) * 1000) / Math.max(1, timeline.total),
    };
  } finally {
    workers.kill();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number | undefined) =>
  n === undefined ? 'not within 5%' : `${(n / 1000).toFixed(2)} s`;
const signed = (n: number) => `${n >= 0 ? '+' : ''}${n.toFixed(2)}%`;

export function renderRate(results: readonly RateResult[], phases: RatePhases): string[] {
  const quick = phases.steadyMs < FULL_PHASES.steadyMs;
  return [
    RATE_HEADING,
    '',
    `One parallel run of ${PARTITIONS} range partitions (each item awaits a ${IO_MS} ms timer) on ${PROCESSES} worker processes (Node processes started with tsx, concurrency ${PARTITIONS / PROCESSES} each), with \`rate: { itemsPerSecond: ${START} }\` in the enqueue options (burst: the default, one second of items). The workers count each item as it ends, per 10 ms of the clock, and send the counts to the benchmark. After a ${phases.warmupMs / 1000} s warm-up (the first second's burst spent, every partition started), the achieved rate is the items of a steady window of ${phases.steadyMs / 1000} s over its length${quick ? ' (a quick run: the recorded figures are of 30 s windows)' : ''}; the slowest and fastest whole seconds of that window, and the share of its 500 ms windows (sliding by 10 ms) within 5% of the limit, show how even it is. Then \`setRunRate\` sets ${CHANGES.map(int).join(' and later ')} from the benchmark's process, and each is followed for ${phases.followMs / 1000} s: "first within" is the time from the call to the end of the first 500 ms window within 5% of the new limit (the workers read a change with their control polls, every second by default), then the share of the 500 ms windows after that one within 5% too (to compare with the steady window's share: on a loaded machine single windows stray), and the plateau is the mean rate over the second half of the phase. Target (issue 22): within 5% over 30 s, following a change within 2 s. The bucket holds at most its burst, so over a window of 30 s a run can exceed the limit by a burst at most (+3.3% with the default burst), when the bucket was full as the window began: after workers fell behind, they catch up at up to the burst's pace, which is also what makes the fastest second; a limit above what the workers can do shows as a plateau below it.`,
    '',
    '| backend | limit | achieved (items/s) | deviation | slowest – fastest second | 500 ms windows within 5% | server calls / item | workers CPU ms / 1k items | load average (1 min), before → after |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.backend} | ${int(r.target)} | ${int(r.achieved)} | ${signed(r.deviation)} | ${int(r.secondMin)} – ${int(r.secondMax)} | ${(r.windowsWithin * 100).toFixed(0)}% | ${r.serverCallsPerItem === undefined ? 'n/a' : r.serverCallsPerItem.toFixed(2)} | ${int(r.workerCpuMsPerK)} | ${r.load[0].toFixed(2)} → ${r.load[1].toFixed(2)} |`,
    ),
    '',
    '| backend | change | first within 5% | 500 ms windows within 5% after it | plateau (items/s) |',
    '|---|---|---:|---:|---:|',
    ...results.flatMap((r) =>
      r.changes.map(
        (c) =>
          `| ${r.backend} | ${int(c.from)} → ${int(c.to)} | ${ms(c.firstWithinMs)} | ${(c.withinAfter * 100).toFixed(0)}% | ${int(c.plateau)} (${signed(((c.plateau - c.to) / c.to) * 100)}) |`,
      ),
    ),
    '',
  ];
}

// Run on its own: start the servers the tests use, measure, print the section.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean', default: false }, backend: { type: 'string' } },
  });
  const phases = values.quick ? QUICK_PHASES : FULL_PHASES;
  const { startRedis } = await import('../test/setup/redis-server.js');
  const { startPostgres } = await import('../test/setup/postgres-server.js');
  const { startPglite } = await import('../test/setup/pglite-server.js');
  const servers = await Promise.all([startRedis(), startPostgres(), startPglite()]);
  try {
    const [redis, postgres, pglite] = servers;
    const targets: [string, RateTarget][] = [
      ['redis', { name: 'Redis', kind: 'redis', url: redis!.url, serverCalls: true }],
      ['postgres', { name: 'PostgreSQL', kind: 'postgres', url: postgres!.url, serverCalls: true }],
      [
        'pglite',
        { name: 'PGlite (embedded)', kind: 'postgres', url: pglite!.url, serverCalls: false },
      ],
    ];
    const results: RateResult[] = [];
    for (const [key, target] of targets) {
      if (values.backend !== undefined && values.backend !== key) continue;
      const log = (line: string) => process.stderr.write(`${line}\n`);
      results.push(await benchmarkRate(target, phases, log));
    }
    console.log(renderRate(results, phases).join('\n'));
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}
