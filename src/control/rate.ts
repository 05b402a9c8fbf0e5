/**
 * `setRunRate`: a run's rate limit, changed while it goes on, from any process. The limit is kept
 * in the run's live settings (on its parent job for a parallel run), which every running
 * partition reads with its control requests, about once a second; `null` removes the limit.
 */
import type { ConcurrencyState } from '../parallel/adaptive.js';
import { partitionOf } from '../runtime/origin.js';
import type { ProgressRate } from '../runtime/progress.js';
import {
  changeSettings,
  checkRate,
  parseSettings,
  type RateOption,
  type RunRate,
  runRateOf,
} from '../runtime/run-rate.js';
import type { ControlQueue } from './target.js';
import { findJob, storeOf } from './target.js';

/** A run's rate limit as `getRun` shows it. */
export interface RunRateInfo {
  readonly itemsPerSecond: number;
  /** Where it comes from: the job's definition, the enqueue options, or `setRunRate`. */
  readonly source: RunRate['source'];
}

/**
 * Sets the rate limit of run `jobId` (a parallel run's parent, or one of its partitions: the
 * limit is the run's) to `itemsPerSecond`, or removes it (`null`, even the definition's). Takes
 * effect within about a second. Throws `RunControlError` (`not-found`) when there is no such job,
 * and `IterationDefinitionError` for a rate that is not a number above 0.
 *
 * @example
 * ```ts
 * await setRunRate(queue, '42', 200); // 200 rows a second, across every worker
 * await setRunRate(queue, '42', null); // no limit
 * ```
 */
export async function setRunRate(
  queue: ControlQueue,
  jobId: string,
  itemsPerSecond: number | null,
  options: { readonly burst?: number } = {},
): Promise<void> {
  const job = await findJob(queue, jobId);
  const rate: RateOption | null =
    itemsPerSecond === null
      ? null
      : checkRate({ itemsPerSecond, ...options }, `setRunRate(queue, "${jobId}")`);
  const run = partitionOf(job.data)?.run ?? job.id!;
  await changeSettings(storeOf(queue), { queueName: queue.name, id: run }, (settings) => ({
    ...settings,
    rate,
  }));
}

/** The limit a run shows: its settings, its job's options, else what its workers published. */
export function rateInfo(
  settings: string | undefined,
  jobOptions: unknown,
  published: ProgressRate | undefined,
): RunRateInfo | undefined {
  const set = runRateOf(settings, jobOptions, undefined);
  if (set !== undefined) return { itemsPerSecond: set.itemsPerSecond, source: set.source };
  if (parseSettings(settings)?.rate === null) return undefined;
  return published;
}

/** A parallel run's adaptive concurrency as `getRun` shows it. */
export interface RunConcurrencyInfo {
  /** Partitions running now. */
  readonly active: number;
  /** How many health checks allow now. */
  readonly target: number;
  /** The most it may have (`maxConcurrentPartitions`, or the plan's size). */
  readonly max: number;
  /** Why the target last went down, when it did. */
  readonly reason?: string;
}

/** The concurrency of a parallel run, from its live settings; undefined without adaptation. */
export function concurrencyInfo(
  settings: string | undefined,
  partitions: readonly { readonly status: string }[],
): RunConcurrencyInfo | undefined {
  const state = parseSettings(settings)?.concurrency as ConcurrencyState | undefined;
  if (state === undefined) return undefined;
  const active = partitions.filter((p) => p.status === 'running' || p.status === 'pausing').length;
  return {
    active,
    target: state.target,
    max: state.max,
    ...(state.reason === undefined ? {} : { reason: state.reason }),
  };
}
