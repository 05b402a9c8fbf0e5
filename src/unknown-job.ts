/**
 * A job whose name a worker does not know: during a rolling deploy, a worker of the other version
 * may know it. It goes back to the queue, delayed and without an attempt, for `unknownJobGraceMs`
 * after the first worker saw it (kept in its progress, which `status` shows), and fails with
 * `UnknownJobError` only then.
 */
import type { Job } from 'bullmq';
import { DelayedError } from 'bullmq';
import type { Logger } from 'pino';

import type { UnknownJobError } from './errors.js';

/**
 * Gives `job` back to the queue for a worker that knows its name, or throws `error` once the
 * grace time is over (or without a token to move the job with).
 */
export async function giveBackUnknown(
  job: Job,
  token: string | undefined,
  error: UnknownJobError,
  graceMs: number,
  logger: Logger,
): Promise<never> {
  const now = Date.now();
  const since = unknownSince(job.progress) ?? now;
  const left = since + graceMs - now;
  if (token === undefined || left <= 0) throw error;
  // Whole milliseconds: BullMQ's PostgreSQL backend stores the due time as a bigint.
  const delayMs = Math.round(Math.max(250, Math.min((now - since) / 4, 30_000, left)));
  // The figures an earlier run published (processed, total) stay visible while it waits.
  const previous = typeof job.progress === 'object' && job.progress !== null ? job.progress : {};
  const progress: UnknownJobProgress = {
    ...previous,
    status: 'unknown-job',
    unknownSince: since,
    reason: error.message,
    updatedAt: now,
  };
  await job.updateProgress(progress);
  await job.moveToDelayed(now + delayMs, token);
  logger.warn(
    { jobName: job.name, jobId: job.id, delayMs, failsInMs: left },
    `no iteration job named "${job.name}" on this worker; returned to the queue for a worker that knows it`,
  );
  throw new DelayedError(`unknown job name "${job.name}"; requeued in ${delayMs} ms`);
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

function unknownSince(progress: unknown): number | undefined {
  if (typeof progress !== 'object' || progress === null) return undefined;
  const p = progress as Partial<UnknownJobProgress>;
  return p.status === 'unknown-job' && typeof p.unknownSince === 'number'
    ? p.unknownSince
    : undefined;
}
