/**
 * The items a job skipped after they failed (`itemErrors: { action: 'skip' }`), read from any
 * process: they are stored in the job's iteration state, beside its cursor.
 */
import type { FailedItem } from '../runtime/item-policy.js';
import { readStoredState } from './status.js';
import type { ControlQueue } from './target.js';
import { findJob, storeOf } from './target.js';

export interface FailedItems {
  readonly queueName: string;
  readonly jobId: string;
  readonly jobName: string;
  /** Items skipped over the life of the job (recorded or not). */
  readonly skipped: number;
  /** Skipped items left out of `items` because the list was full (`itemErrors.maxRecorded`). */
  readonly dropped: number;
  /** The records, oldest first. */
  readonly items: readonly FailedItem[];
}

/**
 * The skipped items of one job, oldest first. Throws `RunControlError` (`not-found`) when there is
 * no such job; a job that skipped nothing has an empty list.
 *
 * @example
 * ```ts
 * const { skipped, items } = await getFailedItems(queue, '42');
 * for (const f of items) console.log(f.cursor, f.item, f.error.message);
 * ```
 */
export async function getFailedItems(queue: ControlQueue, jobId: string): Promise<FailedItems> {
  const job = await findJob(queue, jobId);
  const state = readStoredState(await storeOf(queue).load({ queueName: queue.name, id: job.id! }));
  return {
    queueName: queue.name,
    jobId: job.id!,
    jobName: job.name,
    skipped: state?.skipped ?? 0,
    dropped: state?.failedItemsDropped ?? 0,
    items: state?.failedItems ?? [],
  };
}
