/**
 * Fenced checkpoint writes on BullMQ's Redis backend.
 *
 * The state lives in a field of the job's own hash (`<prefix>:<queue>:<id>`), so it disappears with
 * the job when BullMQ removes it, and a Lua script writes it only while the job's lock key holds the
 * writer's token. Both keys share the `<prefix>:<queue>` part, so on Redis Cluster they land in the
 * same slot whenever the prefix is hash-tagged, as BullMQ itself requires.
 */
import type { RedisClient, RedisQueueBackend } from 'bullmq';

import type { CheckpointStore, JobRef } from './store.js';

/** Name of the job-hash field that holds the iteration state. */
export const REDIS_STATE_FIELD = 'iteration:state';

const SAVE_COMMAND = 'bullmqIterationSaveState';

// KEYS[1] lock key, KEYS[2] job hash; ARGV[1] token, ARGV[2] state JSON, ARGV[3] field.
// EXISTS keeps a write from re-creating the hash of a job removed meanwhile.
const SAVE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] and redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('HSET', KEYS[2], ARGV[3], ARGV[2])
  return 1
end
return 0
`;

const defined = new WeakSet<RedisClient>();

export class RedisCheckpointStore implements CheckpointStore {
  readonly #backend: RedisQueueBackend;

  constructor(backend: RedisQueueBackend) {
    this.#backend = backend;
  }

  async load(job: JobRef): Promise<string | undefined> {
    const client = await this.#backend.client;
    const value = await client.hget(this.#jobKey(job), REDIS_STATE_FIELD);
    return value ?? undefined;
  }

  async save(job: JobRef, token: string, json: string): Promise<boolean> {
    const client = await this.#backend.client;
    if (!defined.has(client)) {
      client.defineCommand(SAVE_COMMAND, { numberOfKeys: 2, lua: SAVE_SCRIPT });
      defined.add(client);
    }
    const jobKey = this.#jobKey(job);
    const written: unknown = await client.runCommand(SAVE_COMMAND, [
      `${jobKey}:lock`,
      jobKey,
      token,
      json,
      REDIS_STATE_FIELD,
    ]);
    return written === 1;
  }

  #jobKey(job: JobRef): string {
    // The backend is bound to one queue; every job a worker runs belongs to it.
    return this.#backend.toKey(job.id);
  }
}
