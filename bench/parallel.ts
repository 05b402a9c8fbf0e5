// Parallel runs on worker processes: one run of I/O-bound items (each awaits a timer of IO_MS)
// split into 1, 4, 8 and 16 partitions, run by separate worker processes whose total concurrency
// matches the partitions, timed from enqueueing the parent to its completion (planning and joining
// included). Each count runs with the default checkpoints and with `checkpointIntervalMs` set, and
// reports what the queue's server and the workers spent per item, to show where scaling goes.
//   tsx bench/parallel.ts [--items N] [--processes P]   (Redis and PostgreSQL)
// `npm run bench` runs it too; `npm run bench -- --only parallel` rewrites only its section.
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

import { Job } from 'bullmq';

import { parallelBenchJob, PARTITIONS, PROCESSES, TUNED_INTERVAL_MS } from './parallel-job.js';
import { renderParallel } from './parallel-report.js';
import { loadBetween, readServerLoad, type ServerKind } from './server-load.js';
import { benchQueue, startWorkers } from './worker-processes.js';

export interface ParallelTarget {
  readonly name: string;
  readonly kind: ServerKind;
  readonly url: string;
}

export interface ParallelResult {
  readonly backend: string;
  readonly checkpointIntervalMs: number;
  readonly partitions: number;
  readonly processes: number;
  readonly concurrency: number;
  readonly items: number;
  readonly seconds: number;
  readonly perSecond: number;
  /** Over one partition with the same checkpoint setting. */
  readonly speedup: number;
  readonly serverCpuMsPerK: number | undefined;
  readonly workerCpuMsPerK: number;
  readonly serverCallsPerItem: number;
  readonly checkpointsPerItem: number | undefined;
  /** PostgreSQL: most queries seen waiting for a connection of one process's pool. */
  readonly poolWaitingMax: number | undefined;
}

type Measured = Omit<ParallelResult, 'speedup'>;

async function runOnce(
  target: ParallelTarget,
  items: number,
  count: number,
  checkpointIntervalMs: number,
  maxProcesses: number,
): Promise<Measured> {
  const queueName = `bench-parallel-${count}-${Date.now()}`;
  const postgres = target.kind === 'postgres';
  const queue = benchQueue(target.kind, target.url, queueName);
  const processes = Math.min(count, maxProcesses);
  const concurrency = Math.ceil(count / processes);
  const workers = await startWorkers(processes, {
    BACKEND: target.kind,
    URL: target.url,
    QUEUE: queueName,
    CONCURRENCY: concurrency,
    CHECKPOINT_INTERVAL_MS: checkpointIntervalMs,
  });
  try {
    const before = await readServerLoad(target.kind, target.url);
    const started = performance.now();
    const parent = await parallelBenchJob.enqueue(queue as never, { items, count });
    for (;;) {
      const state = await parent.getState();
      if (state === 'completed') break;
      if (state === 'failed') throw new Error(`the parallel run failed: ${parent.failedReason}`);
      await sleep(20);
    }
    const seconds = (performance.now() - started) / 1000;
    const done = await Job.fromId(queue as never, parent.id!);
    const processed = (done?.returnvalue as { processed?: number } | undefined)?.processed;
    if (processed !== items) throw new Error(`the run processed ${processed} of ${items} items`);
    const reports = await workers.stop();
    // Exited backends' CPU and statistics reach the server's figures once it has reaped them.
    await sleep(postgres ? 700 : 0);
    const load = loadBetween(before, await readServerLoad(target.kind, target.url));
    const pools = reports.flatMap((r) => (r.pool === undefined ? [] : [r.pool]));
    return {
      backend: target.name,
      checkpointIntervalMs,
      partitions: count,
      processes,
      concurrency,
      items,
      seconds,
      perSecond: items / seconds,
      serverCpuMsPerK: load.cpuMs === undefined ? undefined : (load.cpuMs * 1000) / items,
      workerCpuMsPerK: (reports.reduce((sum, r) => sum + r.cpuMs, 0) * 1000) / items,
      serverCallsPerItem: load.calls / items,
      checkpointsPerItem: load.checkpoints === undefined ? undefined : load.checkpoints / items,
      poolWaitingMax: pools.length === 0 ? undefined : Math.max(...pools.map((p) => p.waitingMax)),
    };
  } finally {
    workers.kill();
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

export async function benchmarkParallel(
  target: ParallelTarget,
  items: number,
  progress: (line: string) => void,
  maxProcesses = PROCESSES,
  counts: readonly number[] = PARTITIONS,
  intervals: readonly number[] = [0, TUNED_INTERVAL_MS],
): Promise<ParallelResult[]> {
  const results: ParallelResult[] = [];
  for (const interval of intervals) {
    let baseline: number | undefined;
    for (const count of counts) {
      progress(`parallel: ${target.name}, checkpointIntervalMs ${interval}, ${count} partitions`);
      const measured = await runOnce(target, items, count, interval, maxProcesses);
      baseline ??= measured.perSecond;
      results.push({ ...measured, speedup: measured.perSecond / baseline });
    }
  }
  return results;
}

// Run on its own: start the servers the tests use, measure, print the section. For experiments,
// `--backend postgres --partitions 1,16 --intervals 0` (0: the default pace), and PG_POOL_MAX=n
// sizes each worker's PostgreSQL pool.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      items: { type: 'string' },
      processes: { type: 'string' },
      backend: { type: 'string' },
      partitions: { type: 'string' },
      intervals: { type: 'string' },
    },
  });
  const items = Number(values.items ?? 20_000);
  const processes = Number(values.processes ?? PROCESSES);
  const counts = values.partitions?.split(',').map(Number) ?? PARTITIONS;
  const intervals = values.intervals?.split(',').map(Number) ?? [0, TUNED_INTERVAL_MS];
  const { startRedis } = await import('../test/setup/redis-server.js');
  const { startPostgres } = await import('../test/setup/postgres-server.js');
  const servers = await Promise.all([startRedis(), startPostgres()]);
  try {
    const [redis, postgres] = servers;
    const targets: ParallelTarget[] = [
      { name: 'Redis', kind: 'redis', url: redis!.url },
      { name: 'PostgreSQL', kind: 'postgres', url: postgres!.url },
    ];
    const results: ParallelResult[] = [];
    for (const target of targets) {
      if (values.backend !== undefined && values.backend !== target.kind) continue;
      const log = (line: string) => process.stderr.write(`${line}\n`);
      results.push(...(await benchmarkParallel(target, items, log, processes, counts, intervals)));
    }
    console.log(renderParallel(results).join('\n'));
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}
