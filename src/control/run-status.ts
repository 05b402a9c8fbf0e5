/**
 * How a run's status is read from what a worker left behind: BullMQ's state of the job, the
 * progress object the run published last, the stored iteration state and a pending control
 * request. Kept apart from status.ts (which gathers those reads) so the rules sit in one table.
 */
import type { Job, JobState } from 'bullmq';

import type { ControlRequest } from '../runtime/control-request.js';
import type { IterationProgress } from '../runtime/progress.js';
import type { IterationState } from '../runtime/state.js';

/**
 * - `waiting`: in the queue, not started yet (or between runs, due now).
 * - `running`: a worker is iterating it.
 * - `pausing` / `cancelling`: a request was made and the worker will act on it within a second.
 * - `paused`: parked until resumed; it holds no worker slot.
 * - `retry-after`: a step threw `RetryAfter` (or the run was asked to wait by one of its
 *   partitions'); parked until `waitUntil`, no attempt counted (`statusReason` says why).
 * - `shed`: a partition adaptive concurrency parked while its run's health is degraded; it asks
 *   again shortly (`statusReason` says how many partitions may run).
 * - `held`: a hold covers the run's tags (a data move under way); parked until it is released
 *   (`hold` is the hold's id, `statusReason` its reason).
 * - `interrupted`: requeued after a shutdown, `maxRuntimeMs`, `maxItemsPerRun`, `interruptWhen` or
 *   an abort; due again shortly.
 * - `throttled`: requeued by a throttle condition; due after its backoff.
 * - `retrying`: an attempt failed; BullMQ retries it after its backoff.
 * - `recovering`: requeued after a transient database or Redis error; it resumes once the
 *   resource answers again (`transientFailures`, `transientMs`).
 * - `unknown-job`: no worker that took it knows its name (a rolling deploy, a new job type); it
 *   was given back to the queue for a worker that does (`unknownSince`, `statusReason`).
 * - `waiting-for-version`: a newer version of its job wrote its state than the workers that took
 *   it run (a rolling deploy, a rollback); it was given back for a worker of that version
 *   (`waitingForVersion`, `statusReason`: `waiting for version 3 …`).
 * - `stale`: BullMQ says active, but its worker stopped reporting: the job's lock is gone, or its
 *   progress is older than `staleAfterMs` (see `staleReason`). BullMQ's stalled check hands it to
 *   another worker, which resumes from the last checkpoint.
 * - `completed`, `cancelled`, `failed`: final.
 */
export type RunStatus =
  | 'waiting'
  | 'running'
  | 'pausing'
  | 'cancelling'
  | 'paused'
  | 'retry-after'
  | 'shed'
  | 'held'
  | 'interrupted'
  | 'throttled'
  | 'retrying'
  | 'recovering'
  | 'unknown-job'
  | 'waiting-for-version'
  | 'stale'
  | 'completed'
  | 'cancelled'
  | 'failed';

/**
 * What a published progress object says beyond its figures. Read from any progress object with a
 * string `status`, figures or not: a worker that gives a job back because it does not know its
 * name publishes a status, a time and a reason, and no figures when the job never ran.
 */
export interface ProgressNote {
  readonly status: string;
  readonly transientFailures?: number;
  readonly transientMs?: number;
  readonly unknownSince?: number;
  /** With status `waiting-for-version`: the version that wrote the run's state. */
  readonly waitingForVersion?: number;
  /** Why the job was given back or held (an `UnknownJobError` message, say). */
  readonly reason?: string;
  /** With status `retry-after`: when the run goes on (epoch ms). */
  readonly waitUntil?: number;
  /** With status `held`: the id of the hold. */
  readonly holdId?: string;
  readonly throttle?: { readonly reason?: string };
}

/** The status note of the job's progress, whatever figures it has. */
export function readProgressNote(job: Job): ProgressNote | undefined {
  const p = job.progress as Partial<ProgressNote> | number | string | boolean | null;
  if (p === null || typeof p !== 'object' || typeof p.status !== 'string') return undefined;
  return p as ProgressNote;
}

/** The job's progress when it is an iteration progress object with figures. */
export function readProgress(job: Job): IterationProgress | undefined {
  const p = job.progress as Partial<IterationProgress> | number | string | boolean | null;
  if (p === null || typeof p !== 'object') return undefined;
  return typeof p.processed === 'number' && typeof p.status === 'string'
    ? (p as IterationProgress)
    : undefined;
}

/** The stored iteration state, or undefined when there is none or it cannot be read. */
export function readStoredState(text: string | undefined): IterationState | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as IterationState | null;
    return value !== null && typeof value === 'object' && value.v === 1 ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The status of a run that is not stale, from BullMQ's state and what the run left. */
export function statusOf(
  bullState: JobState | 'unknown',
  job: Job,
  state: IterationState | undefined,
  note: ProgressNote | undefined,
  control: ControlRequest | undefined,
): RunStatus {
  switch (bullState) {
    case 'completed':
      return state?.cancelled !== undefined ||
        (job.returnvalue as { outcome?: unknown } | null)?.outcome === 'cancelled'
        ? 'cancelled'
        : 'completed';
    case 'failed':
      return 'failed';
    case 'active':
      if (control?.action === 'pause') return 'pausing';
      if (control?.action === 'cancel') return 'cancelling';
      return 'running';
    case 'delayed':
      if (control?.action === 'cancel') return 'cancelling';
      if (control?.source === 'retry-after') return 'retry-after';
      if (control?.action === 'pause') return 'paused';
      if (note?.status === 'retry-after') return 'retry-after';
      if (note?.status === 'shed') return 'shed';
      if (note?.status === 'held') return 'held';
      if (note?.status === 'throttled') return 'throttled';
      if (note?.status === 'recovering') return 'recovering';
      if (note?.status === 'unknown-job') return 'unknown-job';
      if (note?.status === 'waiting-for-version') return 'waiting-for-version';
      if (note?.status === 'failed' || job.failedReason) return 'retrying';
      return 'interrupted';
    default:
      if (control?.action === 'cancel') return 'cancelling';
      if (control?.action === 'pause') return 'pausing';
      if (note?.status === 'unknown-job') return 'unknown-job';
      if (note?.status === 'waiting-for-version') return 'waiting-for-version';
      if (note?.status === 'recovering') return 'recovering';
      return job.attemptsMade > 0 && job.failedReason ? 'retrying' : 'waiting';
  }
}

/** Why a run has its status, where one status has causes worth showing. */
export function statusReason(
  status: RunStatus,
  note: ProgressNote | undefined,
  control: ControlRequest | undefined,
  staleReason: string | undefined,
): string | undefined {
  switch (status) {
    case 'unknown-job':
    case 'waiting-for-version':
      return note?.reason;
    case 'throttled':
      return note?.throttle?.reason;
    case 'retry-after':
      return control?.reason ?? note?.reason;
    case 'shed':
    case 'held':
      return note?.reason;
    case 'stale':
      return staleReason;
    case 'paused':
    case 'pausing':
    case 'cancelling':
      return control?.reason;
    default:
      return undefined;
  }
}
