// One timed run of one variant of the fan-out benchmark: fresh worker processes (so each
// variant's CPU and peak memory are its own), the queue on Redis, timed from the enqueue to the
// last job's completion (BullMQ's `finishedOn`, so the polling interval does not blur it), with
// Redis's command counters read before and after. In a crash round one worker process is
// SIGKILLed once the records show `killAtRows` rows done, and a replacement is started.
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import type { Queue } from 'bullmq';
import { Job } from 'bullmq';
import { Redis } from 'ioredis';

import { redisOptionsFromUrl } from '../src/index.js';
import type { RunParams, Variant } from './fanout-jobs.js';
import { backfillRun, batchJobs, CONCURRENCY, PARTITIONS, PROCESSES } from './fanout-jobs.js';
import { RecordTail } from './fanout-records.js';
import type { FanoutWorkerReport } from './fanout-worker.js';
import { loadBetween, readServerLoad } from './server-load.js';
import { benchQueue, startWorkers, type WorkerPool } from './worker-processes.js';

export interface FanoutTarget {
  readonly redisUrl: string;
  /** The data database: the table of rows the jobs read. */
  readonly postgresUrl: string;
}

export interface CrashPlan {
  /** Where the workers append the ids they processed. */
  readonly dir: string;
  /** Rows recorded after which the first worker process is SIGKILLed. */
  readonly killAtRows: number;
  readonly lockDurationMs: number;
  readonly stalledIntervalMs: number;
}

export interface VariantRun {
  readonly variant: Variant;
  readonly rows: number;
  /** Enqueue to the last completion. */
  readonly seconds: number;
  /** Of the worker processes stopped at the end (a killed one cannot report). */
  readonly reports: readonly FanoutWorkerReport[];
  /** Redis `total_commands_processed` over the run. */
  readonly redisCommands: number;
  /** Redis calls over the run by command (`INFO commandstats`). */
  readonly commandStats: Readonly<Record<string, number>>;
  /** Crash round: when the worker was killed, and how many rows were recorded by then. */
  readonly killed?: { readonly atSeconds: number; readonly rowsRecorded: number };
}

/**
 * How often the benchmark asks whether the work is done. The wall time comes from `finishedOn`,
 * so this only delays noticing; kept slow because Redis counts the asking among the commands.
 */
const POLL_MS = 200;

const workerScript = {
  script: join(import.meta.dirname, 'fanout-worker.ts'),
  onMessage: () => false,
};

export async function runVariant(
  target: FanoutTarget,
  variant: Variant,
  rows: number,
  crash?: CrashPlan,
): Promise<VariantRun> {
  const queueName = `bench-fanout-${variant}-${Date.now()}`;
  const queue = benchQueue('redis', target.redisUrl, queueName);
  const env = {
    VARIANT: variant,
    URL: target.redisUrl,
    DATA_URL: target.postgresUrl,
    QUEUE: queueName,
    CONCURRENCY,
    ...(crash === undefined
      ? {}
      : {
          OUT_DIR: crash.dir,
          LOCK_DURATION_MS: crash.lockDurationMs,
          STALLED_INTERVAL_MS: crash.stalledIntervalMs,
        }),
  };
  const pools: WorkerPool[] = [];
  try {
    pools.push(await startWorkers(PROCESSES, env, workerScript));
    const before = await readServerLoad('redis', target.redisUrl);
    const statsBefore = await commandStats(target.redisUrl);
    const started = Date.now();
    const work = variant === 'run' ? await enqueueRun(queue) : await enqueueBatches(queue, rows);
    const tail = crash === undefined ? undefined : new RecordTail(crash.dir);
    let killed: VariantRun['killed'];
    while (!(await work.done())) {
      if (crash !== undefined && killed === undefined && tail!.lines() >= crash.killAtRows) {
        await pools[0]!.sigkill(0);
        killed = { atSeconds: (Date.now() - started) / 1000, rowsRecorded: tail!.lines() };
        // As an orchestrator would: the replacement starts once the old process is gone.
        pools.push(await startWorkers(1, env, workerScript));
      }
      await sleep(POLL_MS);
    }
    const load = loadBetween(before, await readServerLoad('redis', target.redisUrl));
    const statsAfter = await commandStats(target.redisUrl);
    const finished = await work.finish(rows);
    const reports = (await Promise.all(pools.map((p) => p.stop()))).flat();
    return {
      variant,
      rows,
      seconds: (finished - started) / 1000,
      reports: reports as FanoutWorkerReport[],
      redisCommands: load.calls,
      commandStats: Object.fromEntries(
        Object.entries(statsAfter)
          .map(([name, calls]) => [name, calls - (statsBefore[name] ?? 0)] as const)
          .filter(([, calls]) => calls > 0),
      ),
      ...(killed === undefined ? {} : { killed }),
    };
  } finally {
    for (const pool of pools) pool.kill();
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

interface Work {
  /** Whether every job completed; throws when one failed. */
  done(): Promise<boolean>;
  /** Checks the rows the jobs report and returns the time the last one finished (epoch ms). */
  finish(rows: number): Promise<number>;
}

async function enqueueRun(queue: Queue): Promise<Work> {
  const params: RunParams = { partitions: PARTITIONS };
  const parent = await backfillRun.enqueue(queue as never, params);
  let read: Job | undefined;
  return {
    // One HGETALL of the parent's hash: `getState` would run a script of about 8 commands.
    async done() {
      read = await Job.fromId(queue, parent.id!);
      if (!read?.finishedOn) return false;
      if (read.returnvalue == null) throw new Error(`the run failed: ${read.failedReason}`);
      return true;
    },
    async finish(rows) {
      const processed = (read!.returnvalue as { processed?: number }).processed;
      if (processed !== rows) throw new Error(`the run processed ${processed} of ${rows} rows`);
      return read!.finishedOn!;
    },
  };
}

async function enqueueBatches(queue: Queue, rows: number): Promise<Work> {
  const jobs = batchJobs(rows);
  await queue.addBulk(jobs);
  return {
    async done() {
      const counts = await queue.getJobCounts('completed', 'failed');
      if ((counts.failed ?? 0) > 0) throw new Error(`${counts.failed} fan-out jobs failed`);
      return counts.completed === jobs.length;
    },
    async finish(rows) {
      const completed = await queue.getJobs(['completed']);
      // A job redone after a crash still reports its whole range once, on its last attempt.
      const sum = completed.reduce((total, job) => total + Number(job.returnvalue), 0);
      if (sum !== rows) throw new Error(`the fan-out jobs processed ${sum} of ${rows} rows`);
      return Math.max(...completed.map((job) => job.finishedOn!));
    },
  };
}

/** Calls per command since the server started, from `INFO commandstats`. */
async function commandStats(url: string): Promise<Record<string, number>> {
  const client = new Redis(redisOptionsFromUrl(url));
  try {
    const info = await client.info('commandstats');
    return Object.fromEntries(
      [...info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)].map((m) => [m[1]!, Number(m[2])]),
    );
  } finally {
    client.disconnect();
  }
}
