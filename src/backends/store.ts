/**
 * Where the iteration state of a job lives, and the one rule it must keep: a write only lands while
 * the writer still holds the job's BullMQ lock. BullMQ's own `updateData`/`updateProgress` never
 * check the lock, so a worker that stalled and lost its job to another worker could move the cursor
 * backwards with them; every checkpoint goes through a store instead.
 */
import type { IQueueBackend } from 'bullmq';
import { PostgresQueueBackend, RedisQueueBackend } from 'bullmq';

import { PostgresCheckpointStore } from './postgres.js';
import { RedisCheckpointStore } from './redis.js';

/** Identifies a job in its queue. */
export interface JobRef {
  readonly queueName: string;
  readonly id: string;
}

export interface CheckpointStore {
  /** The stored iteration state of a job as JSON text, or `undefined` when it has none yet. */
  load(job: JobRef): Promise<string | undefined>;
  /**
   * Stores `json` as the job's iteration state if, and only if, `token` is still the job's lock
   * token and the job is active. Resolves `false` when the lock is held by someone else or gone
   * (the caller has lost the job); rejects only on transport errors.
   */
  save(job: JobRef, token: string, json: string): Promise<boolean>;
}

/** The store matching the backend a BullMQ Queue or Worker runs on. */
export function checkpointStoreFor(backend: IQueueBackend): CheckpointStore {
  if (backend instanceof RedisQueueBackend) return new RedisCheckpointStore(backend);
  if (backend instanceof PostgresQueueBackend) return new PostgresCheckpointStore(backend);
  throw new TypeError(
    `bullmq-iteration supports BullMQ's Redis and PostgreSQL backends; got ${backend.constructor.name}. ` +
      'Create the worker with the default (Redis) backend or with createPostgresBackend.',
  );
}
