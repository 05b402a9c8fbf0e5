// Parallel runs: one run of I/O-bound items (each awaits a timer of IO_MS) split into 1, 4, 8
// and 16 partitions, on workers whose total concurrency matches the partitions, timed from
// enqueueing the parent to its completion (planning and joining included). The work is I/O-bound,
// so the speedup shows what the runtime and the queue add, not what the CPU can do.
//   tsx --conditions=@bullmq-iteration/source bench/parallel.ts [--items N]   (Redis and PostgreSQL)
// `npm run bench` runs it too and writes its table into docs/benchmarks.md.
import { parseArgs } from 'node:util';

import { createPostgresBackend, Queue } from 'bullmq';
import { pino } from 'pino';

import type { BuildEnumeratorArgs } from '../src/index.js';
import { defineIterationJob, IterationWorker, redisOptionsFromUrl } from '../src/index.js';
import type { BackendTarget } from './runtime.js';

export const IO_MS = 1;
/** Partitions per run, side by side; the first is the baseline. */
export const PARTITIONS = [1, 4, 8, 16] as const;
/** Worker instances sharing the partitions, as separate machines would. */
const WORKERS = 4;

export interface ParallelResult {
  readonly backend: string;
  readonly partitions: number;
  readonly items: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly speedup: number;
}

const logger = pino({ level: 'silent' });

function job(items: number, count: number) {
  return defineIterationJob({
    name: `bench-parallel-${count}`,
    partitions: () =>
      Array.from({ length: count }, (_, i) => ({
        from: Math.floor((i * items) / count),
        to: Math.floor(((i + 1) * items) / count),
      })),
    async *buildEnumerator({
      cursor,
      partition,
    }: BuildEnumeratorArgs<object, number, { from: number; to: number }>) {
      for (let i = cursor === null ? partition.from : cursor + 1; i < partition.to; i++) {
        yield [i, i] as const;
      }
    },
    eachIteration: () => new Promise<void>((resolve) => setTimeout(resolve, IO_MS)),
  });
}

async function runOnce(target: BackendTarget, items: number, count: number): Promise<number> {
  const definition = job(items, count);
  const queueName = `bench-parallel-${count}-${Date.now()}`;
  const connection = { connection: target.connection } as never;
  const queue = new Queue(queueName, connection, target.backendFactory as never);
  // Enough slots for every partition and the parent, spread over the workers.
  const concurrency = Math.ceil((count + 1) / WORKERS);
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
      if (state === 'failed') throw new Error(`the parallel run failed: ${parent.failedReason}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return (performance.now() - started) / 1000;
  } finally {
    await Promise.all(workers.map((w) => w.close()));
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

export async function benchmarkParallel(
  target: BackendTarget,
  items: number,
  progress: (line: string) => void,
): Promise<ParallelResult[]> {
  const results: ParallelResult[] = [];
  for (const count of PARTITIONS) {
    progress(`parallel: ${target.name}, ${count} partitions`);
    const seconds = await runOnce(target, items, count);
    const perSecond = items / seconds;
    const baseline = results[0]?.perSecond ?? perSecond;
    results.push({
      backend: target.name,
      partitions: count,
      items,
      seconds,
      perSecond,
      speedup: perSecond / baseline,
    });
  }
  return results;
}

export function renderParallel(results: readonly ParallelResult[]): string[] {
  const out = [
    '## Parallel runs: one run split into partitions',
    '',
    `One run of I/O-bound items (each awaits a ${IO_MS} ms timer), split into ${PARTITIONS.join(', ')} partitions and processed by ${WORKERS} \`IterationWorker\`s in the benchmark's process, whose total concurrency matches the partitions; timed from enqueueing the parent to its completion (planning, partition jobs and the join included). Target: a speedup of at least 0.8 × partitions.`,
    '',
    '| backend | partitions | items | seconds | items/s | speedup | speedup / partitions |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    out.push(
      `| ${r.backend} | ${r.partitions} | ${r.items.toLocaleString('en-US')} | ${r.seconds.toFixed(1)} | ${Math.round(r.perSecond).toLocaleString('en-US')} | ${r.speedup.toFixed(2)}× | ${(r.speedup / r.partitions).toFixed(2)} |`,
    );
  }
  out.push('');
  return out;
}

// Run on its own: start the servers the tests use, measure, print the table.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { items: { type: 'string' } } });
  const items = Number(values.items ?? 20_000);
  const { startRedis } = await import('../test/setup/redis-server.js');
  const { startPostgres } = await import('../test/setup/postgres-server.js');
  const servers = await Promise.all([startRedis(), startPostgres()]);
  try {
    const [redis, postgres] = servers;
    const results = [
      ...(await benchmarkParallel(
        { name: 'Redis', connection: redisOptionsFromUrl(redis!.url), backendFactory: undefined },
        items,
        (line) => process.stderr.write(`${line}\n`),
      )),
      ...(await benchmarkParallel(
        { name: 'PostgreSQL', connection: postgres!.url, backendFactory: createPostgresBackend },
        items,
        (line) => process.stderr.write(`${line}\n`),
      )),
    ];
    console.log(renderParallel(results).join('\n'));
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}
