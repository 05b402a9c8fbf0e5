// The scenarios of the scaling benchmark, each a measured window on one target (see
// scaling-harness.ts): one plain run; one parallel run of P partitions from enqueue to join, then
// the reads an operator makes of it; P partitions running with idle or slow items, per second.
import { setTimeout as sleep } from 'node:timers/promises';

import type { CheckpointMode } from '../src/index.js';
import { cancelRun, getRun, listRuns, pageRuns } from '../src/index.js';
import type { Cost, Target } from './scaling-harness.js';
import {
  closeAll,
  completion,
  measure,
  queueName,
  queueOf,
  removeQueue,
  starts,
  sub,
  workerOf,
} from './scaling-harness.js';
import type { ItemMode } from './scaling-jobs.js';
import { parallelJob, plainJob, setItems } from './scaling-jobs.js';

export interface PlainResult {
  readonly backend: string;
  readonly label: string;
  readonly mode: CheckpointMode;
  readonly items: number;
  readonly cost: Cost;
}

/** One plain run of `items`, from enqueue to completion; closing costs taken off. */
export async function plainRun(
  target: Target,
  label: string,
  mode: CheckpointMode,
  items: number,
  itemMode: ItemMode,
  close: Cost,
): Promise<PlainResult> {
  setItems(itemMode);
  const name = queueName('plain');
  const queue = await queueOf(target, name);
  const worker = await workerOf(target, queue, {
    concurrency: 1,
    checkpointMode: mode,
    warm: true,
  });
  const cost = await measure(target, async () => {
    const job = await plainJob.enqueue(queue, { items });
    await completion([worker], job.id!);
    await closeAll(target, [worker], [queue]);
  });
  await removeQueue(target, name);
  return { backend: target.name, label, mode, items, cost: sub(cost, close) };
}

export interface ReadCosts {
  readonly getRun: Cost;
  readonly listRuns: Cost;
  readonly pageRuns: Cost;
}

export interface ParallelResult {
  readonly backend: string;
  readonly partitions: number;
  readonly items: number;
  /** Enqueue to the parent's completion (the join), closing costs taken off. */
  readonly run: Cost;
  /** Reads of the completed run, each the second call of its kind (the first loads scripts). */
  readonly reads: ReadCosts;
}

/** A run of `partitions` over `items` no-op items, on one worker with a slot per partition. */
export async function parallelRun(
  target: Target,
  partitions: number,
  items: number,
  close: Cost,
): Promise<ParallelResult> {
  setItems({ kind: 'noop' });
  const name = queueName(`p${partitions}`);
  const queue = await queueOf(target, name);
  const worker = await workerOf(target, queue, { concurrency: partitions + 1, warm: true });
  let parentId = '';
  const run = await measure(target, async () => {
    const parent = await parallelJob.enqueue(queue, { items, count: partitions });
    parentId = parent.id!;
    await completion([worker], parentId);
    await closeAll(target, [worker], [queue]);
  });
  const reads = await readCosts(target, name, parentId);
  await removeQueue(target, name);
  return { backend: target.name, partitions, items, run: sub(run, close), reads };
}

/** getRun of the parent, listRuns and a first page of runs (the dashboard's), one window each. */
async function readCosts(target: Target, name: string, parentId: string): Promise<ReadCosts> {
  const queue = await queueOf(target, name);
  try {
    const once = async (read: () => Promise<unknown>) => {
      await read();
      return measure(target, async () => void (await read()));
    };
    return {
      getRun: await once(() => getRun(queue, parentId)),
      listRuns: await once(() => listRuns(queue)),
      pageRuns: await once(() => pageRuns(queue, { limit: 50 })),
    };
  } finally {
    await queue.close();
  }
}

export interface SteadyResult {
  readonly backend: string;
  readonly partitions: number;
  readonly workers: number;
  /** Every item waits: polling, progress, republishing, lock renewal; no checkpoints. */
  readonly idle: Cost;
  /** Each item a timer of STEP_MS: the above plus checkpoints at the store's pace. */
  readonly stepping: Cost;
  /** getRun of the parent while its partitions run (each one's lock is checked). */
  readonly getRunning: Cost;
}

/** The slow items of the stepping window. */
export const STEP_MS = 100;

/**
 * One run of `partitions` held running on `workers` in-process workers (as many processes would
 * run them: each has its own store, pace and progress throttle), measured over `seconds` twice:
 * with every item waiting, then with items of STEP_MS. Cancelled afterwards.
 */
export async function steadyRun(
  target: Target,
  partitions: number,
  workers: number,
  seconds: number,
): Promise<SteadyResult> {
  setItems({ kind: 'hold' });
  const name = queueName(`s${partitions}x${workers}`);
  const queue = await queueOf(target, name);
  const slots = Math.ceil(partitions / workers) + 1;
  const pool = await Promise.all(
    Array.from({ length: workers }, () => workerOf(target, queue, { concurrency: slots })),
  );
  const running = starts(pool, partitions);
  const parent = await parallelJob.enqueue(queue, {
    items: partitions * 1_000_000,
    count: partitions,
  });
  const done = completion(pool, parent.id!);
  done.catch(() => {});
  await running;
  // The start's burst (each partition's first reads and writes) is not the steady state.
  await sleep(2_000);
  const idle = await measure(target, () => sleep(seconds * 1_000));
  const getRunning = await measure(target, async () => void (await getRun(queue, parent.id!)));
  setItems({ kind: 'sleep', ms: STEP_MS });
  await sleep(1_500);
  const stepping = await measure(target, () => sleep(seconds * 1_000));
  await cancelRun(queue, parent.id!, { reason: 'scaling benchmark window over' });
  setItems({ kind: 'noop' });
  await done;
  await closeAll(target, pool, [queue]);
  await removeQueue(target, name);
  return { backend: target.name, partitions, workers, idle, stepping, getRunning };
}

export interface RateResult {
  readonly backend: string;
  readonly partitions: number;
  /** The run's limit, reached: items are no-ops. */
  readonly itemsPerSecond: number;
  readonly window: Cost;
}

/**
 * One run of `partitions` of no-op items under a rate limit of `itemsPerSecond` for the whole run,
 * so every partition keeps finding the run's bucket empty; measured over `seconds`.
 */
export async function rateRun(
  target: Target,
  partitions: number,
  itemsPerSecond: number,
  seconds: number,
): Promise<RateResult> {
  setItems({ kind: 'noop' });
  const name = queueName(`rate${partitions}`);
  const queue = await queueOf(target, name);
  const worker = await workerOf(target, queue, { concurrency: partitions + 1 });
  const running = starts([worker], partitions);
  const parent = await parallelJob.enqueue(
    queue,
    { items: partitions * 1_000_000, count: partitions },
    { rate: { itemsPerSecond } },
  );
  const done = completion([worker], parent.id!);
  done.catch(() => {});
  await running;
  await sleep(2_000);
  const window = await measure(target, () => sleep(seconds * 1_000));
  await cancelRun(queue, parent.id!, { reason: 'scaling benchmark window over' });
  await done;
  await closeAll(target, [worker], [queue]);
  await removeQueue(target, name);
  return { backend: target.name, partitions, itemsPerSecond, window };
}
