/**
 * `retryFailedItems`: enqueue a job that visits exactly the items another job skipped (see
 * src/runtime/replay.ts for how the new job finds and checks them).
 */
import type { Job, JobsOptions } from 'bullmq';

import { RunControlError } from '../errors.js';
import { replayData } from '../runtime/replay.js';
import type { AuditOptions } from './audit.js';
import { recordAudit } from './audit.js';
import { readStoredState } from './status.js';
import type { ControlQueue } from './target.js';
import { findJob, storeOf } from './target.js';

/** A queue that can also add jobs: BullMQ's `Queue`, on either backend. */
export type ReplayQueue = ControlQueue & {
  add(name: string, data: unknown, options?: JobsOptions): Promise<Job>;
};

/** BullMQ options of the replay job, and who asks (for the audit trail of both runs). */
export type ReplayOptions = JobsOptions & AuditOptions & { readonly reason?: string | undefined };

/**
 * Enqueues a new job of the same name that replays the items job `jobId` skipped: for each record,
 * oldest first, it rebuilds the job's enumerator at the recorded cursor and processes the first
 * item when it is still the recorded one (same cursor after it). Items that succeed are done;
 * those that fail again are recorded in the new job's own list (`getFailedItems` on its id), so
 * replays can be repeated until the list is empty. The original job's list is left as it was.
 * Works for every enumerator whose cursors are repeatable (all built-in ones). The new job keeps
 * the original's `attempts` and `backoff`; `options` override them.
 *
 * Throws `RunControlError` (`not-found`) when there is no such job or it recorded no item.
 *
 * @example
 * ```ts
 * const replay = await retryFailedItems(queue, '42');
 * // later: what still fails
 * const { items } = await getFailedItems(queue, replay.id!);
 * ```
 */
export async function retryFailedItems(
  queue: ReplayQueue,
  jobId: string,
  options: ReplayOptions = {},
): Promise<Job> {
  const { actor, via, reason, ...jobOptions } = options;
  const audit = { actor, via, reason };
  const job = await findJob(queue, jobId);
  const state = readStoredState(await storeOf(queue).load({ queueName: queue.name, id: job.id! }));
  const recorded = state?.failedItems?.length ?? 0;
  if (recorded === 0) {
    throw new RunControlError(
      `Job "${jobId}" in queue "${queue.name}" has no recorded failed items to retry ` +
        `(${state?.skipped ?? 0} skipped). Only jobs defined with itemErrors: { action: 'skip' } ` +
        'record them; see `bullmq-iteration failures <id>`.',
      { code: 'not-found', jobId, queueName: queue.name },
    );
  }
  const { attempts, backoff } = job.opts;
  const replay = await queue.add(job.name, replayData(job.id!, job.data), {
    ...(attempts === undefined ? {} : { attempts }),
    ...(backoff === undefined ? {} : { backoff }),
    ...jobOptions,
  });
  const items = `${recorded} skipped item${recorded === 1 ? '' : 's'}`;
  await recordAudit(queue, jobId, 'replay', {
    ...audit,
    detail: `${items} replayed by run ${replay.id!}`,
  });
  await recordAudit(queue, replay.id!, 'start', {
    ...audit,
    detail: `replay of ${items} of run ${jobId}`,
  });
  return replay;
}
