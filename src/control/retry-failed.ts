/**
 * `retryFailedItems`: enqueue a job that visits exactly the items another job (or a parallel run)
 * skipped and that are still to fix (see failed-items.ts for which those are, and
 * src/runtime/replay.ts for how the new job takes and checks them).
 */
import type { Job, JobsOptions } from 'bullmq';

import { RunControlError } from '../errors.js';
import { replayData } from '../runtime/origin.js';
import type { AuditOptions } from './audit.js';
import { recordAudit } from './audit.js';
import { collectFailed } from './failed-items.js';
import type { ControlQueue } from './target.js';
import { findJob } from './target.js';

/** A queue that can also add jobs: BullMQ's `Queue`, on either backend. */
export type ReplayQueue = ControlQueue & {
  add(name: string, data: unknown, options?: JobsOptions): Promise<Job>;
};

/** BullMQ options of the replay job, and who asks (for the audit trail of both runs). */
export type ReplayOptions = JobsOptions & AuditOptions & { readonly reason?: string | undefined };

/**
 * Enqueues a new job of the same name that replays the items job `jobId` skipped and that are
 * still to fix: for each record, oldest first, it rebuilds the job's enumerator at the recorded
 * cursor (in the record's partition and step) and processes the first item when it is still the
 * recorded one (same cursor after it). On its first run it takes the records, so two replays
 * never both do one. Items that succeed leave the list they came from; those that fail again are
 * recorded in the new job's own list, which `getFailedItems` on `jobId` follows, so replays can be
 * repeated on the same id until its list is empty. For a parallel run (its parent's id), the
 * records of every partition. Works for every enumerator whose cursors are repeatable (all
 * built-in ones). The new job keeps the original's `attempts` and `backoff`; `options` override
 * them.
 *
 * Throws `RunControlError` (`not-found`) when there is no such job or nothing is left to replay.
 *
 * @example
 * ```ts
 * const replay = await retryFailedItems(queue, '42');
 * // later: what still fails
 * const { items } = await getFailedItems(queue, '42');
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
  const found = await collectFailed(queue, job.id!);
  const free = found.entries.filter(({ entry }) => entry.replaying === undefined);
  if (free.length === 0) {
    const held = found.entries.length;
    throw new RunControlError(
      `Job "${jobId}" in queue "${queue.name}" has no recorded failed items to retry ` +
        `(${found.skipped} skipped${held > 0 ? `; ${held} held by a replay still running` : ''}). ` +
        "Only jobs defined with itemErrors: { action: 'skip' } record them; see " +
        '`bullmq-iteration failures <id>`.',
      { code: 'not-found', jobId, queueName: queue.name },
    );
  }
  const { attempts, backoff } = job.opts;
  const replay = await queue.add(
    job.name,
    replayData(
      job.id!,
      job.data,
      free.map(({ ref }) => ref),
    ),
    {
      ...(attempts === undefined ? {} : { attempts }),
      ...(backoff === undefined ? {} : { backoff }),
      ...jobOptions,
    },
  );
  const items = `${free.length} skipped item${free.length === 1 ? '' : 's'}`;
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
