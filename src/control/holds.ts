/**
 * Holds for data moves: `holdRuns` parks every run of a queue whose tags include all of the
 * hold's, at an item boundary within about a second (each worker reads the holds with its control
 * polls), and keeps any run that starts later with matching tags parked, until `releaseHold`.
 * A hold belongs to the queue's store, so it survives worker restarts.
 *
 *   holdRuns({ shard: 'db-3' }) ─► runs tagged shard=db-3 park (status `held`)
 *   move the shard's data        ─► new runs of shard=db-3 park before their first item
 *   releaseHold(id)              ─► the held runs wake and go on from their checkpoints
 */
import { randomUUID } from 'node:crypto';

import type { Hold } from '../backends/holds.js';
import { holdStoreFor } from '../backends/holds.js';
import { RunControlError } from '../errors.js';
import type { RunTags } from './tags.js';
import { checkTags } from './tags.js';
import type { ControlQueue } from './target.js';
import { requireUsableQueue } from './target.js';

export type { Hold } from '../backends/holds.js';

/** What `holdRuns` takes. */
export interface HoldOptions {
  /** The runs to hold: those whose tags include every one of these (at least one). */
  readonly tags: RunTags;
  /** Why, shown as the held runs' status reason: `moving shard db-3 to db-7`. */
  readonly reason: string;
}

/**
 * Holds every run of `queue` whose tags include all of `options.tags`, now and until released;
 * returns the hold (its `id` releases it).
 *
 * @example
 * ```ts
 * const hold = await holdRuns(queue, { tags: { shard: 'db-3' }, reason: 'moving to db-7' });
 * // … move the data …
 * await releaseHold(queue, hold.id);
 * ```
 */
export async function holdRuns(queue: ControlQueue, options: HoldOptions): Promise<Hold> {
  const owner = `holdRuns(queue "${queue.name}")`;
  const tags = checkTags(options?.tags, owner);
  if (Object.keys(tags).length === 0) {
    throw new TypeError(
      `${owner}: a hold needs at least one tag, e.g. { shard: 'db-3' }; pause runs one by one ` +
        'with pauseRun, or a page of them with the console, to stop runs without tags.',
    );
  }
  if (typeof options.reason !== 'string' || options.reason.trim() === '') {
    throw new TypeError(
      `${owner}: \`reason\` must be a non-empty string (shown on every held run), got ${JSON.stringify(options.reason)}.`,
    );
  }
  await requireUsableQueue(queue, 'holdRuns');
  const hold: Hold = {
    id: `hold-${randomUUID().slice(0, 8)}`,
    tags,
    reason: options.reason.slice(0, 500),
    createdAt: Date.now(),
  };
  await holdStoreFor(queue.getBackend()).put(queue.name, hold);
  return hold;
}

/**
 * Releases hold `id`: the runs it held go on (those parked are made due at once). Throws
 * `RunControlError` (`not-found`) when the queue has no such hold.
 */
export async function releaseHold(queue: ControlQueue, id: string): Promise<void> {
  await requireUsableQueue(queue, 'releaseHold');
  if (!(await holdStoreFor(queue.getBackend()).remove(queue.name, id))) {
    throw new RunControlError(
      `Queue "${queue.name}" has no hold "${id}"; \`bullmq-iteration holds\` lists them.`,
      { code: 'not-found', jobId: id, queueName: queue.name },
    );
  }
  await wakeHeld(queue, id);
}

/** The holds of `queue`, oldest first. */
export async function listHolds(queue: ControlQueue): Promise<Hold[]> {
  await requireUsableQueue(queue, 'listHolds');
  return holdStoreFor(queue.getBackend()).load(queue.name);
}

/**
 * Makes the runs parked by hold `id` due now, so a release need not wait for the end of their
 * park. Best effort, over the first pages of delayed jobs: a run missed here wakes by itself
 * within its park (a few seconds) and finds the hold gone.
 */
async function wakeHeld(queue: ControlQueue, id: string): Promise<void> {
  const page = 500;
  for (let start = 0; start < 10 * page; start += page) {
    const jobs = await queue.getJobs(['delayed'], start, start + page - 1);
    for (const job of jobs) {
      const note = job.progress as { status?: unknown; holdId?: unknown } | null;
      if (note?.status === 'held' && note.holdId === id) {
        await job.promote().catch(() => undefined);
      }
    }
    if (jobs.length < page) return;
  }
}
