/**
 * The parent's progress while its partitions run: the aggregate of theirs, so that dashboards
 * reading `job.progress` (bull-board's ring) show the whole run on the parent. The parent itself
 * sleeps in `waiting-children`, so its partitions publish it: each worker process at most once per
 * {@link RUN_PROGRESS_INTERVALS} progress intervals per run, and on every partition's lifecycle
 * change (completed, cancelled, paused…). Each
 * publication is computed from every partition's own progress, so a late one is only older.
 */
import { Job } from 'bullmq';

import type { IterationStatus } from '../runtime/progress.js';
import type { RunFigures } from './aggregate.js';
import { parallelProgress, sumFigures } from './aggregate.js';
import type { FlowQueue } from './flow.js';
import { figuresOf, readPartitions } from './flow.js';

/**
 * How often one worker process republishes a run's aggregate progress while it runs, in
 * `progressIntervalMs` (each republication reads every partition of the run).
 */
export const RUN_PROGRESS_INTERVALS = 2;

/** Reads every partition of the run and sums their figures. */
export async function runFigures(
  queue: FlowQueue,
  parentId: string,
  count: number,
): Promise<RunFigures> {
  const partitions = await readPartitions(queue, parentId, count, false);
  return sumFigures(partitions.map(figuresOf));
}

export async function publishRunProgress(
  queue: FlowQueue,
  parentId: string,
  count: number,
  status: IterationStatus = 'running',
): Promise<void> {
  const figures = await runFigures(queue, parentId, count);
  const parent = await Job.fromId(queue, parentId);
  await parent?.updateProgress(parallelProgress(figures, status));
}

/** Limits the republications of one worker process to one per run per interval. */
export class RunProgressThrottle {
  readonly #last = new Map<string, number>();

  readonly #intervalMs: number;

  constructor(progressIntervalMs: number) {
    this.#intervalMs = progressIntervalMs * RUN_PROGRESS_INTERVALS;
  }

  /** True when run `parentId` is due (and marks it published now). */
  due(parentId: string, now = Date.now()): boolean {
    const last = this.#last.get(parentId);
    if (last !== undefined && now - last < this.#intervalMs) return false;
    // Runs end; their entries must not pile up in a long-lived worker.
    if (this.#last.size > 1_000) this.#last.clear();
    this.#last.set(parentId, now);
    return true;
  }
}
