/**
 * `retryRun`: a failed run goes back to the queue and resumes at its cursor. The iteration state
 * stays beside the job, so only BullMQ's failed state is cleared; the items finished before the
 * failure are not done again.
 */
import { RunControlError } from '../errors.js';
import type { AuditOptions } from './audit.js';
import { recordAudit } from './audit.js';
import type { IterationRunInfo } from './status.js';
import { getRun } from './status.js';
import type { ControlQueue } from './target.js';
import { findJob } from './target.js';

export interface RetryOptions extends AuditOptions {
  /** Count the run's attempts from zero again. @defaultValue false: the retry is one more attempt */
  readonly resetAttempts?: boolean;
  /** Why, for the audit trail. */
  readonly reason?: string | undefined;
}

/**
 * Moves failed run `jobId` back to its queue; the next worker resumes it at its last saved
 * cursor. Resolves with the run as it stood before the retry (its cursor, items and error).
 * Throws `RunControlError` (`not-found`; `not-failed` for a run that is not failed).
 *
 * @example
 * ```ts
 * const before = await retryRun(queue, '42', { reason: 'replica is back' });
 * console.log(`resumes at ${JSON.stringify(before.cursor)} after ${before.processed} items`);
 * ```
 */
export async function retryRun(
  queue: ControlQueue,
  jobId: string,
  options: RetryOptions = {},
): Promise<IterationRunInfo> {
  const job = await findJob(queue, jobId);
  const state = await job.getState();
  if (state !== 'failed') {
    throw new RunControlError(
      `Job ${jobId} of queue "${queue.name}" is ${state}, not failed: nothing to retry.` +
        (state === 'completed'
          ? ` Restart it to run it again (restartRun, or \`bullmq-iteration restart ${jobId}\`).`
          : ''),
      { code: 'not-failed', jobId, queueName: queue.name },
    );
  }
  const before = await getRun(queue, jobId);
  await job.retry('failed', { resetAttemptsMade: options.resetAttempts === true });
  await recordAudit(queue, jobId, 'retry', {
    ...options,
    detail: `resumes at cursor ${JSON.stringify(before.cursor)} after ${before.processed} items`,
  });
  return before;
}
