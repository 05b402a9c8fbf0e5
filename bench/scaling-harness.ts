// The scaling benchmark's targets (Redis, PostgreSQL), its in-process workers and queues, and the
// measured window: what the server counted and which library calls it went to, between two reads.
import { setTimeout as sleep } from 'node:timers/promises';

import { Queue } from 'bullmq';

import type { CheckpointMode } from '../src/index.js';
import { IterationWorker } from '../src/index.js';
import { libraryCalls } from './scaling-calls.js';
import { parallelJob, plainJob } from './scaling-jobs.js';
import type { Counts, Window } from './scaling-meter.js';
import { minus } from './scaling-meter.js';

export interface Target {
  readonly name: 'Redis' | 'PostgreSQL';
  readonly connection: unknown;
  readonly backendFactory: unknown;
  readonly window: Window;
  /**
   * Wait after closing clients before the window's last read: PostgreSQL backends flush their
   * pg_stat_database figures when they exit.
   */
  readonly settleMs: number;
}

/** One measured window. */
export interface Cost {
  /** What the server counted (see scaling-meter.ts). */
  readonly server: Counts;
  /** The library's calls (see scaling-calls.ts). */
  readonly calls: Counts;
  readonly seconds: number;
}

/** `a` less `b`; a counter the lesser window moved more (an idle worker's poll) stays at 0. */
export function sub(a: Cost, b: Cost): Cost {
  const positive = (c: Counts) => Object.fromEntries(Object.entries(c).filter(([, v]) => v > 0));
  return {
    server: positive(minus(a.server, b.server)),
    calls: positive(minus(a.calls, b.calls)),
    seconds: a.seconds - b.seconds,
  };
}

export async function measure(target: Target, run: () => Promise<void>): Promise<Cost> {
  const calls = libraryCalls();
  const before = await target.window.start();
  const started = performance.now();
  await run();
  const seconds = (performance.now() - started) / 1000;
  const server = await target.window.end(before);
  return { server, calls: minus(libraryCalls(), calls), seconds };
}

let serial = 0;

/** A fresh queue name: every scenario has its own keys or rows. */
export function queueName(tag: string): string {
  return `scaling-${tag}-${Date.now()}-${++serial}`;
}

/** A queue on `target`, connected (its first round trips are not a run's cost). */
export async function queueOf(target: Target, name: string): Promise<Queue> {
  const queue = new Queue(
    name,
    { connection: target.connection } as never,
    target.backendFactory as never,
  );
  await queue.getJobCounts('active');
  return queue;
}

export interface WorkerSettings {
  readonly concurrency: number;
  readonly checkpointMode?: CheckpointMode;
  /**
   * Runs a plain and a parallel run of one item first (removed afterwards): a connection's first
   * call of each Redis script sends its text, and each PostgreSQL connection prepares its
   * statements once; a long-lived worker has paid that long ago.
   */
  readonly warm?: boolean;
}

/** An in-process worker of the benchmark's jobs on `queue`, connected and fetching. */
export async function workerOf(
  target: Target,
  queue: Queue,
  settings: WorkerSettings,
): Promise<IterationWorker> {
  const worker = new IterationWorker(
    queue.name,
    [plainJob, parallelJob],
    {
      connection: target.connection,
      logger: false,
      handleSignals: false,
      concurrency: settings.concurrency,
      ...(settings.checkpointMode === undefined ? {} : { checkpointMode: settings.checkpointMode }),
    } as never,
    target.backendFactory as never,
  );
  worker.on('error', (error) => console.error(`worker error: ${error.message}`));
  const ids = new Set<string>();
  completed.set(worker, ids);
  worker.on('completed', (job) => void ids.add(job.id!));
  await worker.waitUntilReady();
  if (settings.warm) {
    for (const job of [
      await plainJob.enqueue(queue, { items: 1 }),
      await parallelJob.enqueue(queue, { items: 1, count: 1 }),
    ]) {
      await completion([worker], job.id!);
      await job.remove();
    }
  }
  return worker;
}

/** Ids each worker completed so far: a job may complete before its waiter is attached. */
const completed = new WeakMap<IterationWorker, Set<string>>();

/** Resolves when job `id` completes on one of `workers` (no server read: the worker says so). */
export function completion(workers: readonly IterationWorker[], id: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (workers.some((w) => completed.get(w)?.has(id))) resolve();
    for (const worker of workers) {
      worker.on('completed', (job) => {
        if (job.id === id) resolve();
      });
      worker.on('failed', (job, error) => {
        if (job?.id === id) reject(error);
      });
    }
  });
}

/** Resolves once `count` runs started on `workers`, counted from now. */
export function starts(workers: readonly IterationWorker[], count: number): Promise<void> {
  let seen = 0;
  return new Promise((resolve) => {
    for (const worker of workers) {
      worker.on('iteration.started', () => {
        if (++seen === count) resolve();
      });
    }
  });
}

/** Closes workers and queues, and waits for the server's statistics to catch up. */
export async function closeAll(
  target: Target,
  workers: readonly IterationWorker[],
  queues: readonly Queue[],
): Promise<void> {
  await Promise.all(workers.map((w) => w.close()));
  await Promise.all(queues.map((q) => q.close()));
  if (target.settleMs > 0) await sleep(target.settleMs);
}

/** Removes a scenario's keys or rows, outside any window. */
export async function removeQueue(target: Target, name: string): Promise<void> {
  const queue = await queueOf(target, name);
  await queue.obliterate({ force: true });
  await queue.close();
}

/**
 * What closing a connected worker and queue costs by itself, to be taken off windows that end
 * with one (the ones whose PostgreSQL statistics need the clients gone).
 */
export async function closeCost(target: Target): Promise<Cost> {
  const name = queueName('close');
  const queue = await queueOf(target, name);
  const worker = await workerOf(target, queue, { concurrency: 1, warm: true });
  const cost = await measure(target, () => closeAll(target, [worker], [queue]));
  await removeQueue(target, name);
  return cost;
}
