/** The records store (tags, audit) of the backend a BullMQ Queue runs on. */
import type { IQueueBackend } from 'bullmq';
import { PostgresQueueBackend, RedisQueueBackend } from 'bullmq';

import type { RunRecordsStore } from './run-records.js';
import { PostgresRunRecords } from './run-records-postgres.js';
import { RedisRunRecords } from './run-records-redis.js';

const stores = new WeakMap<IQueueBackend, RunRecordsStore>();

/** The records store of the backend a BullMQ Queue runs on (one per backend object). */
export function runRecordsFor(backend: IQueueBackend): RunRecordsStore {
  let store = stores.get(backend);
  if (store === undefined) {
    if (backend instanceof RedisQueueBackend) store = new RedisRunRecords(backend);
    else if (backend instanceof PostgresQueueBackend) store = new PostgresRunRecords(backend);
    else {
      throw new TypeError(
        `bullmq-iteration keeps tags and audit entries on BullMQ's Redis and PostgreSQL backends; got ${backend.constructor.name}.`,
      );
    }
    stores.set(backend, store);
  }
  return store;
}
