/**
 * What BullMQ does to a job around each run, applied to the inline stand-in: a worker takes it,
 * then it is completed, moved back to the queue (a requeue, no attempt counted), failed (retried
 * when BullMQ would, with BullMQ's own backoff computation) or retried by hand.
 */
import type { BackoffStrategy, MinimalJob } from 'bullmq';
import { Backoffs, UnrecoverableError } from 'bullmq';

import type { IterationSummary } from '../runtime/ledger.js';
import type { InlineJob, InlineJobState } from './inline-job.js';

export function takeJob(job: InlineJob, token: string): void {
  job.state = 'active';
  job.token = token;
  job.processedOn = Date.now();
  job.attemptsStarted++;
}

export function completeJob(job: InlineJob, summary: IterationSummary): void {
  job.state = 'completed';
  job.returnvalue = summary;
  job.finishedOn = Date.now();
  job.attemptsMade++;
}

/** The runtime's requeue: moved to delayed with the lock token, due in `delayMs`. */
export function requeueJob(job: InlineJob, delayMs: number): void {
  job.state = delayMs > 0 ? 'delayed' : 'waiting';
  job.delay = delayMs;
}

/** BullMQ's `moveToFailed`: counts the attempt, then schedules the retry or fails for good. */
export async function failJob(
  job: InlineJob,
  error: unknown,
  backoffStrategy: BackoffStrategy | undefined,
): Promise<void> {
  const err = error instanceof Error ? error : new Error(String(error));
  job.failedReason = err.message;
  if (err.stack !== undefined) job.stacktrace.push(err.stack);
  const delay = await retryDelay(job, err, backoffStrategy);
  job.attemptsMade++;
  job.delay = delay ?? 0;
  job.state = delay === undefined ? 'failed' : delay > 0 ? 'delayed' : 'waiting';
  if (delay === undefined) job.finishedOn = Date.now();
}

/** BullMQ's `job.retry()` of a failed job: back to waiting, attempts kept. */
export function retryJob(job: InlineJob): void {
  job.state = 'waiting';
  job.failedReason = undefined;
  job.finishedOn = undefined;
  job.processedOn = undefined;
}

/** The test of `Job.moveToFailed`; `undefined` when the job fails for good. */
async function retryDelay(
  job: InlineJob,
  err: Error,
  backoffStrategy: BackoffStrategy | undefined,
): Promise<number | undefined> {
  // BullMQ recognises it by class or by name, so errors from another copy of BullMQ count too.
  if (err instanceof UnrecoverableError || err.name === 'UnrecoverableError') return undefined;
  const attempt = job.attemptsMade + 1;
  if (attempt >= (job.opts.attempts ?? 0)) return undefined;
  const backoff = job.opts.backoff === undefined ? undefined : Backoffs.normalize(job.opts.backoff);
  if (backoff === undefined) return 0;
  const minimal = job as unknown as MinimalJob;
  const delay = await Backoffs.calculate(backoff, attempt, err, minimal, backoffStrategy);
  // A custom strategy returns -1 to say "do not retry".
  return delay === -1 ? undefined : (delay ?? 0);
}

/** Throws unless a job in `status` can be run now, as a worker would take it. */
export function assertRunnable(
  status: InlineJobState,
  method: string,
  label: string,
  failedReason: string | undefined,
): void {
  if (status === 'active') {
    throw new Error(
      `${method}: a run of ${label} is in progress; await it before starting another ` +
        '(BullMQ never gives one job to two workers at once).',
    );
  }
  if (status === 'completed') {
    throw new Error(`${method}: ${label} is completed; there is nothing left to run.`);
  }
  if (status === 'failed') {
    throw new Error(
      `${method}: ${label} failed for good (${failedReason}). ` +
        'Call retry() to run it again, as job.retry() would.',
    );
  }
}
