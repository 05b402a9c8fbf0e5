/** Picks the fenced checkpoint store that matches the backend a BullMQ Worker runs on. */
import type { IQueueBackend } from 'bullmq';
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
