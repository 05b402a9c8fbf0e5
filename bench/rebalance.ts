// Rebalancing: one skewed run (4 partitions, the first holding SKEW of the items; each item awaits
// a timer of IO_MS) on workers with a slot per partition, timed from enqueueing the parent to its
// completion, without and with rebalancing side by side, and beside them the same items planned
// evenly on the same slots (the ideal rebalancing aims at). Without it the run lasts as long as its
// big partition; with it the finished partitions' slots take over pieces of that partition.
//   tsx --conditions=@bullmq-iteration/source bench/rebalance.ts [--items N]   (Redis)
// `npm run bench` runs it too; `npm run bench -- --only rebalance` rewrites only its section.
import { parseArgs } from 'node:util';

import { Queue } from 'bullmq';
import { pino } from 'pino';

import type { BuildEnumeratorArgs, RangePartition } from '../src/index.js';
import {
  defineIterationJob,
  IterationWorker,
  redisOptionsFromUrl,
  splitRange,
} from '../src/index.js';
import type { BackendTarget } from './runtime.js';

const IO_MS = 1;
/** Share of the items in the first of the 4 partitions. */
const SKEW = 0.85;
const PARTITIONS = 4;
const WORKERS = 2;

export interface RebalanceResult {
  readonly backend: string;
  /** `even`: the same items in equal partitions, without rebalancing. */
  readonly plan: 'skewed' | 'even';
  readonly rebalancing: boolean;
  readonly items: number;
  readonly seconds: number;
  /** Partition jobs the run ended with (planned + split off). */
  readonly partitions: number;
}

const logger = pino({ level: 'silent' });

function skewed(items: number): RangePartition[] {
  const big = Math.floor(items * SKEW);
  const rest = items - big;
  return Array.from({ length: PARTITIONS }, (_, i) =>
    i === 0
      ? { from: 0, to: big }
      : {
          from: big + Math.floor(((i - 1) * rest) / (PARTITIONS - 1)),
          to: big + Math.floor((i * rest) / (PARTITIONS - 1)),
        },
  );
}

function even(items: number): RangePartition[] {
  return Array.from({ length: PARTITIONS }, (_, i) => ({
    from: Math.floor((i * items) / PARTITIONS),
    to: Math.floor(((i + 1) * items) / PARTITIONS),
  }));
}

function job(items: number, plan: RebalanceResult['plan'], rebalancing: boolean) {
  return defineIterationJob({
    name: `bench-rebalance-${plan}-${rebalancing ? 'on' : 'off'}`,
    partitions: () => (plan === 'even' ? even(items) : skewed(items)),
    async *buildEnumerator({
      cursor,
      partition,
    }: BuildEnumeratorArgs<object, number, RangePartition>) {
      for (let i = cursor ?? partition.from; i < partition.to; i++) yield [i, i + 1] as const;
    },
    eachIteration: () => new Promise<void>((resolve) => setTimeout(resolve, IO_MS)),
    // Cursors are the next number, as splitRange expects.
    splitPartition: ({ partition, cursor }) =>
      splitRange(partition, cursor, { minItems: Math.max(50, Math.floor(items / 200)) }),
    rebalance: rebalancing,
  });
}

async function runOnce(
  target: BackendTarget,
  items: number,
  plan: RebalanceResult['plan'],
  rebalancing: boolean,
): Promise<RebalanceResult> {
  const definition = job(items, plan, rebalancing);
  const queueName = `bench-rebalance-${plan}-${rebalancing ? 'on' : 'off'}-${Date.now()}`;
  const queue = new Queue(
    queueName,
    { connection: target.connection } as never,
    target.backendFactory as never,
  );
  // A slot per planned partition and one for the parent.
  const concurrency = Math.ceil((PARTITIONS + 1) / WORKERS);
  const workers = Array.from(
    { length: WORKERS },
    () =>
      new IterationWorker(
        queueName,
        [definition],
        {
          ...target.workerOptions,
          connection: target.connection,
          logger,
          handleSignals: false,
          concurrency,
          controlPollIntervalMs: 200,
        } as never,
        target.backendFactory as never,
      ),
  );
  try {
    await Promise.all(workers.map((w) => w.waitUntilReady()));
    const started = performance.now();
    const parent = await definition.enqueue(queue as never, {});
    for (;;) {
      const state = await parent.getState();
      if (state === 'completed') break;
      if (state === 'failed') throw new Error(`the skewed run failed: ${parent.failedReason}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const seconds = (performance.now() - started) / 1000;
    const done = await queue.getJob(parent.id!);
    const partitions = (done?.returnvalue as { partitions?: number } | null)?.partitions ?? 0;
    return { backend: target.name, plan, rebalancing, items, seconds, partitions };
  } finally {
    await Promise.all(workers.map((w) => w.close()));
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

export async function benchmarkRebalance(
  target: BackendTarget,
  items: number,
  progress: (line: string) => void,
): Promise<RebalanceResult[]> {
  const results: RebalanceResult[] = [];
  for (const [plan, rebalancing] of [
    ['skewed', false],
    ['skewed', true],
    ['even', false],
  ] as const) {
    progress(`rebalance: ${target.name}, ${plan}, ${rebalancing ? 'with' : 'without'} rebalancing`);
    results.push(await runOnce(target, items, plan, rebalancing));
  }
  return results;
}

export function renderRebalance(results: readonly RebalanceResult[]): string[] {
  const out = [
    '## Rebalancing: a skewed parallel run',
    '',
    `One run of I/O-bound items (each awaits a ${IO_MS} ms timer) in ${PARTITIONS} planned partitions, the first holding ${Math.round(SKEW * 100)}% of the items, on ${WORKERS} \`IterationWorker\`s with a slot per partition; timed from enqueueing the parent to its completion, without and with rebalancing (\`splitPartition\` with \`splitRange\`), and the same items planned evenly on the same workers (the ideal). Without rebalancing the run lasts as long as its big partition.`,
    '',
    '| backend | plan | rebalancing | items | partitions at the end | seconds | vs without | vs even plan |',
    '|---|---|---|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    const same = (x: RebalanceResult) => x.backend === r.backend && x.plan === 'skewed';
    const without = results.find((x) => same(x) && !x.rebalancing);
    const ideal = results.find((x) => x.backend === r.backend && x.plan === 'even');
    const faster =
      without && r.rebalancing ? `${(without.seconds / r.seconds).toFixed(2)}× faster` : '—';
    const vsEven = ideal ? `${(r.seconds / ideal.seconds).toFixed(2)}×` : '—';
    out.push(
      `| ${r.backend} | ${r.plan} | ${r.rebalancing ? 'on' : 'off'} | ${r.items.toLocaleString('en-US')} | ${r.partitions} | ${r.seconds.toFixed(1)} | ${faster} | ${vsEven} |`,
    );
  }
  out.push('');
  return out;
}

// Run on its own: start a Redis server as the tests do, measure, print the table.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { items: { type: 'string' } } });
  const items = Number(values.items ?? 20_000);
  const { startRedis } = await import('../test/setup/redis-server.js');
  const redis = await startRedis();
  try {
    const results = await benchmarkRebalance(
      { name: 'Redis', connection: redisOptionsFromUrl(redis.url), backendFactory: undefined },
      items,
      (line) => process.stderr.write(`${line}\n`),
    );
    console.log(renderRebalance(results).join('\n'));
  } finally {
    await redis.stop();
  }
}
