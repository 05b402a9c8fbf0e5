/**
 * The iteration state of runs, read from any process without a worker: what a status command, a
 * dashboard or an alert needs, derived from BullMQ's job (state, progress, failure) and the stored
 * iteration state and control request.
 */
import type { Job, JobState } from 'bullmq';

import type { JsonValue } from '../json.js';
import { partitionOf } from '../parallel/partition-data.js';
import type { ControlRequest } from '../runtime/control-request.js';
import { parseControl } from '../runtime/control-request.js';
import type { IterationProgress } from '../runtime/progress.js';
import { percentage } from '../runtime/progress.js';
import type { RestartRecord } from '../runtime/state.js';
import type { StepState } from '../runtime/step-state.js';
import { formatDuration } from '../throttle/duration.js';
import type { AuditEntry } from './audit.js';
import { isLockHeld } from './job-lock.js';
import { readRunRecords } from './records.js';
import type { PartitionRunInfo } from './run-partitions.js';
import { foldPartitions } from './run-partitions.js';
import type { RunStatus } from './run-status.js';
import {
  readProgress,
  readProgressNote,
  readStoredState,
  statusOf,
  statusReason,
} from './run-status.js';
import type { RunTags } from './tags.js';
import { matchesTags } from './tags.js';
import type { ControlQueue } from './target.js';
import { findJob, requireUsableQueue, storeOf } from './target.js';

export type { RunStatus } from './run-status.js';

export interface IterationRunInfo {
  readonly queueName: string;
  readonly jobId: string;
  readonly jobName: string;
  readonly status: RunStatus;
  /** BullMQ's own state of the job. */
  readonly bullState: JobState | 'unknown';
  readonly cursor: JsonValue | null;
  readonly processed: number;
  readonly total: number | undefined;
  /** 0–100 when the total is known. */
  readonly percentage: number | undefined;
  /** While running: items per second over the last half minute. */
  readonly itemsPerSecond: number | undefined;
  /** While running with a known total: milliseconds left at the current rate. */
  readonly etaMs: number | undefined;
  readonly timesInterrupted: number;
  readonly timesThrottled: number;
  readonly throttledMs: number;
  /** Items skipped after failing (see `itemErrors` and `getFailedItems`). */
  readonly skipped: number;
  /** In a job made of `steps`: the step it is in (`index` from 0 of `count`). */
  readonly step: StepState | undefined;
  readonly totalTimeMs: number;
  readonly attemptsMade: number;
  /** BullMQ's failure reason of the last failed attempt, if any. */
  readonly lastError: string | undefined;
  /** A pause or cancel asked for and not yet served (or the pause in force). */
  readonly control: ControlRequest | undefined;
  /** When the progress was last published (epoch ms). */
  readonly updatedAt: number | undefined;
  /** With status `stale`: why (`lock gone`, `no progress for 2 min`). */
  readonly staleReason: string | undefined;
  /**
   * Why the run has its status, where there is more to say: the reason a job was given back as
   * `unknown-job`, a throttle's reason, a pause or cancel's reason, why it is `stale`.
   */
  readonly statusReason: string | undefined;
  /** Runs requeued after a transient database or Redis error, over the life of the job. */
  readonly transientFailures: number;
  /** Time spent waiting for a resource after transient errors, in milliseconds. */
  readonly transientMs: number;
  /** With status `unknown-job`: since when workers have been handing it back (epoch ms). */
  readonly unknownSince: number | undefined;
  /**
   * A parallel run (a job with `partitions`): one entry per partition, in plan order. The run's
   * own figures above are then summed over them. Absent for other jobs.
   */
  readonly partitions?: readonly PartitionRunInfo<RunStatus>[];
  /** For a job restarted from a cursor (`restartRun`), once it ran: what it restarts, from where. */
  readonly restart: RestartRecord | undefined;
  /** The run's tags, given at enqueue (`enqueue(queue, params, { tags })`). */
  readonly tags: RunTags | undefined;
  /** Who did what to the run and why, oldest first: pauses, cancels, retries, restarts. */
  readonly audit: readonly AuditEntry[];
}

/**
 * A running job whose progress is older than this is `stale`. A live run republishes its progress
 * at least every `progressIntervalMs` (1 s by default), even inside a slow item; keep this well
 * above the workers' `progressIntervalMs`. @defaultValue 30_000
 */
export const STALE_AFTER_MS = 30_000;

/**
 * The iteration state of one job. Throws `RunControlError` (`not-found`) when there is no such job.
 * For the parent of a parallel run, the whole run: figures summed over its partitions, and
 * `partitions`, one entry per partition.
 *
 * @example
 * ```ts
 * const run = await getRun(queue, '42');
 * console.log(run.status, run.percentage, run.etaMs);
 * ```
 */
export async function getRun(
  queue: ControlQueue,
  jobId: string,
  options: Pick<ListRunsOptions, 'staleAfterMs'> = {},
): Promise<IterationRunInfo> {
  return describeRun(queue, await findJob(queue, jobId), undefined, options.staleAfterMs);
}

export interface ListRunsOptions {
  /**
   * Job names to include even before their first run (they have no iteration state yet); jobs
   * with iteration state are always included. @defaultValue none
   */
  readonly names?: readonly string[];
  /** At most this many jobs per BullMQ state, newest first. @defaultValue 100 */
  readonly limit?: number;
  /** Progress older than this marks a running job `stale`. @defaultValue {@link STALE_AFTER_MS} */
  readonly staleAfterMs?: number;
  /** Only runs carrying every one of these tags (`{ shard: 'db-3' }`). @defaultValue all runs */
  readonly tags?: RunTags;
}

const LISTED_STATES: JobState[] = [
  'active',
  'waiting',
  'prioritized',
  'delayed',
  'waiting-children',
  'completed',
  'failed',
];

/**
 * The runs of a queue: active first, then waiting, delayed and finished ones. A parallel run is
 * listed once, on its parent (see `getRun`); its partition jobs are not listed on their own. Every job that is not
 * completed is listed (a waiting run that never started, a failed one, a job no worker knows);
 * completed jobs only when they were iteration runs or their name is in `names`.
 */
export async function listRuns(
  queue: ControlQueue,
  options: ListRunsOptions = {},
): Promise<IterationRunInfo[]> {
  await requireUsableQueue(queue, 'listRuns');
  const limit = options.limit ?? 100;
  const names = new Set(options.names ?? []);
  const runs: IterationRunInfo[] = [];
  const seen = new Set<string>();
  for (const state of LISTED_STATES) {
    const jobs = (await queue.getJobs([state], 0, limit - 1)) as (Job | undefined)[];
    for (const job of jobs) {
      // A parallel run is listed once, on its parent, with its partitions folded in.
      if (job?.id === undefined || seen.has(job.id) || partitionOf(job.data)) continue;
      seen.add(job.id);
      const info = await describeRun(queue, job, state, options.staleAfterMs);
      if (!matchesTags(info.tags, options.tags)) continue;
      if (state !== 'completed' || isIteration(info, job) || names.has(job.name)) runs.push(info);
    }
  }
  return runs;
}

function isIteration(info: IterationRunInfo, job: Job): boolean {
  return info.updatedAt !== undefined || readProgress(job) !== undefined || info.processed > 0;
}

/** @internal Exported for tests: `knownState` is the state a listing saw, possibly outdated. */
export async function describeRun(
  queue: ControlQueue,
  job: Job,
  knownState?: JobState,
  staleAfterMs = STALE_AFTER_MS,
  rechecked = false,
): Promise<IterationRunInfo> {
  const store = storeOf(queue);
  const ref = { queueName: queue.name, id: job.id! };
  const [bullState, stateText, controlText, records] = await Promise.all([
    knownState ?? (job.getState() as Promise<JobState | 'unknown'>),
    store.load(ref),
    store.loadControl(ref),
    readRunRecords(queue, ref.id),
  ]);
  const state = readStoredState(stateText);
  const progress = readProgress(job);
  const note = readProgressNote(job);
  const control = parseControl(controlText);
  const total = progress?.total;
  const processed = Math.max(state?.processed ?? 0, progress?.processed ?? 0);
  const staleReason =
    bullState === 'active' ? await whyStale(queue, job, progress, staleAfterMs) : undefined;
  if (staleReason !== undefined && !rechecked) {
    // The job may have left `active` since its state was read (a pause parks it, a run ends and
    // its worker releases the lock): a lock its owner released is not a stale job. Read it again.
    const again = await findJob(queue, job.id!).catch(() => undefined);
    if (again !== undefined && (await again.getState()) !== 'active') {
      return describeRun(queue, again, undefined, staleAfterMs, true);
    }
  }
  const status =
    staleReason !== undefined ? 'stale' : statusOf(bullState, job, state, note, control);
  const fresh = status === 'running' || status === 'pausing' || status === 'cancelling';
  const info: IterationRunInfo = {
    queueName: queue.name,
    jobId: job.id!,
    jobName: job.name,
    status,
    bullState,
    cursor: state?.cursor ?? progress?.cursor ?? null,
    processed,
    total,
    percentage:
      total === undefined ? undefined : status === 'completed' ? 100 : percentage(processed, total),
    itemsPerSecond: fresh ? progress?.itemsPerSecond : undefined,
    etaMs: fresh ? progress?.etaMs : undefined,
    timesInterrupted: state?.timesInterrupted ?? progress?.timesInterrupted ?? 0,
    timesThrottled: state?.throttle?.timesThrottled ?? progress?.timesThrottled ?? 0,
    throttledMs: state?.throttle?.throttledMs ?? progress?.throttledMs ?? 0,
    skipped: state?.skipped ?? progress?.skipped ?? 0,
    step: state?.step ?? progress?.step,
    totalTimeMs: state?.totalTimeMs ?? progress?.totalTimeMs ?? 0,
    attemptsMade: job.attemptsMade,
    lastError: job.failedReason || undefined,
    control,
    updatedAt: progress?.updatedAt,
    staleReason,
    statusReason: statusReason(status, note, control, staleReason),
    transientFailures: note?.transientFailures ?? 0,
    transientMs: note?.transientMs ?? 0,
    unknownSince: note?.status === 'unknown-job' ? note.unknownSince : undefined,
    restart: state?.restart,
    ...records,
  };
  const plan = state?.parallel?.plan;
  if (plan === undefined) return info;
  return foldPartitions(queue, info, plan, (child) =>
    describeRun(queue, child, undefined, staleAfterMs),
  );
}

/** Why an active job looks abandoned by its worker, or `undefined` while it is alive. */
async function whyStale(
  queue: ControlQueue,
  job: Job,
  progress: IterationProgress | undefined,
  staleAfterMs: number,
): Promise<string | undefined> {
  const now = Date.now();
  if ((await isLockHeld(queue.getBackend(), queue.name, job.id!, now)) === false) {
    return 'lock gone: its worker stopped renewing it';
  }
  if (progress !== undefined && now - progress.updatedAt > staleAfterMs) {
    return `no progress for ${formatDuration(now - progress.updatedAt)}`;
  }
  return undefined;
}

export { readProgress, readStoredState, statusOf } from './run-status.js';
