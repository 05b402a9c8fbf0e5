/**
 * What differs by backend: the fenced checkpoint store, and how to put a running job back at the
 * end of its queue.
 */
import type { IQueueBackend, Job } from 'bullmq';
import { PostgresQueueBackend, RedisQueueBackend } from 'bullmq';

import { PostgresCheckpointStore } from './postgres.js';
import { RedisCheckpointStore } from './redis.js';
import type { CheckpointStore } from './store.js';

/** The store matching the backend a BullMQ Queue or Worker runs on. */
export function checkpointStoreFor(backend: IQueueBackend): CheckpointStore {
  if (backend instanceof RedisQueueBackend) return new RedisCheckpointStore(backend);
  if (backend instanceof PostgresQueueBackend) return new PostgresCheckpointStore(backend);
  throw new TypeError(
    `bullmq-iteration supports BullMQ's Redis and PostgreSQL backends; got ${backend.constructor.name}. ` +
      'Create the worker with the default (Redis) backend or with createPostgresBackend.',
  );
}

/** Moves a running job back to its queue, due in `delayMs`, with its lock token. */
export type Requeue = (job: Job, token: string, delayMs: number) => Promise<void>;

/**
 * How to requeue on `backend` so that a job due at once goes behind the jobs already waiting: that
 * is what lets `maxRuntimeMs` share a worker. BullMQ's two backends disagree on which move does it.
 * On Redis, `moveToWait` pushes the job to the head of the wait list, while a due delayed job is
 * promoted to its tail. On PostgreSQL, a due delayed job is promoted with its original position,
 * while `moveToWait` gives it a new one at the tail. Neither move counts an attempt. A job due
 * later (a backoff, a park) always goes to the delayed set.
 */
export function requeueFor(backend: IQueueBackend): Requeue {
  const tailByWait = backend instanceof PostgresQueueBackend;
  return async (job, token, delayMs) => {
    // Whole milliseconds: the PostgreSQL backend stores the due time as a bigint.
    if (delayMs > 0 || !tailByWait)
      await job.moveToDelayed(Math.round(Date.now() + delayMs), token);
    else await job.moveToWait(token);
  };
}
