/**
 * Giving a job back to the queue, without an attempt, for a worker that can run it: during a
 * rolling deploy a worker may meet a job whose name it does not know (`unknown-job`), or a run
 * that a newer version of its job already wrote (`waiting-for-version`). It goes back delayed, for
 * a grace time counted from the first worker that gave it back (kept in its progress, which
 * `status` shows), and fails with the given error only once that time is over.
 *
 *   worker can't run it ─► progress { status, <since>, reason } ─► delayed ¼ of the wait so far
 *                          (250 ms to 30 s) ─► … ─► grace time over: the error fails the job
 */
import type { Job } from 'bullmq';
import { DelayedError } from 'bullmq';
import type { Logger } from 'pino';

/** Why a job is given back; the status its progress shows meanwhile. */
export type GiveBackStatus = 'unknown-job' | 'waiting-for-version';

export interface GiveBack {
  readonly status: GiveBackStatus;
  /** Thrown once the grace time is over (or without a token to move the job with). */
  readonly error: Error;
  /** What `status` shows as the reason meanwhile. */
  readonly reason: string;
  readonly graceMs: number;
  /** More fields for the progress (`waitingForVersion`). */
  readonly fields?: object;
}

/** The moves a give-back makes: the run host's. */
export interface GiveBackMoves {
  publishProgress(job: Job, progress: object): Promise<void>;
  requeue(job: Job, token: string, delayMs: number): Promise<void>;
}

/**
 * The progress of a job that a worker gave back because it did not know its name.
 *
 * @example
 * ```ts
 * if (job.progress?.status === 'unknown-job') console.log('no worker knows', job.name);
 * ```
 */
export interface UnknownJobProgress {
  readonly status: 'unknown-job';
  /** When a worker first met the job without knowing its name (epoch ms). */
  readonly unknownSince: number;
  /** The `UnknownJobError` message the job fails with once the grace time is over. */
  readonly reason: string;
  readonly updatedAt: number;
}

/**
 * The progress of a run that workers of an older version of its job gave back, for one that
 * runs `waitingForVersion` or a later one; the figures the run published before stay beside it.
 *
 * @example
 * ```ts
 * if (job.progress?.status === 'waiting-for-version') console.log('deploy v', job.progress.waitingForVersion);
 * ```
 */
export interface WaitingForVersionProgress {
  readonly status: 'waiting-for-version';
  /** The version that wrote the run's state: a worker must run it or a later one. */
  readonly waitingForVersion: number;
  /** When a worker of an older version first gave it back (epoch ms). */
  readonly waitingSince: number;
  /** `waiting for version 3 (this worker runs version 2)`. */
  readonly reason: string;
  readonly updatedAt: number;
}

const SINCE = { 'unknown-job': 'unknownSince', 'waiting-for-version': 'waitingSince' } as const;

/** Gives `job` back to the queue, or throws `back.error` once the grace time is over. */
export async function giveBack(
  moves: GiveBackMoves,
  job: Job,
  token: string | undefined,
  back: GiveBack,
  logger: Logger,
): Promise<never> {
  const now = Date.now();
  const since = sinceOf(job.progress, back.status) ?? now;
  const left = since + back.graceMs - now;
  if (token === undefined || left <= 0) throw back.error;
  // Whole milliseconds: BullMQ's PostgreSQL backend stores the due time as a bigint.
  const delayMs = Math.round(Math.max(250, Math.min((now - since) / 4, 30_000, left)));
  // The figures an earlier run published (processed, total) stay visible while it waits.
  const previous = typeof job.progress === 'object' && job.progress !== null ? job.progress : {};
  await moves.publishProgress(job, {
    ...previous,
    ...back.fields,
    status: back.status,
    [SINCE[back.status]]: since,
    reason: back.reason,
    updatedAt: now,
  });
  await moves.requeue(job, token, delayMs);
  logger.warn(
    { jobName: job.name, jobId: job.id, delayMs, failsInMs: left, status: back.status },
    `${back.reason}; returned to the queue for a worker that can run it`,
  );
  throw new DelayedError(`${back.status}: ${back.reason}; requeued in ${delayMs} ms`);
}

/** Since when workers have been giving the job back for `status`, from its progress. */
function sinceOf(progress: unknown, status: GiveBackStatus): number | undefined {
  if (typeof progress !== 'object' || progress === null) return undefined;
  const p = progress as Record<string, unknown>;
  const since = p[SINCE[status]];
  return p.status === status && typeof since === 'number' ? since : undefined;
}
