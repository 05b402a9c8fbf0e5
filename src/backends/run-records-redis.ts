/**
 * Tags and audit entries on Redis: two fields of the job's own hash, beside the iteration state.
 * The audit field holds one JSON entry per line; a script appends and trims it in one step, so
 * two operators acting at once never lose each other's entry. Every script touches only the job's
 * hash, which is in the queue's slot on a Redis Cluster.
 */
import type { RedisClient, RedisQueueBackend } from 'bullmq';

import { isRedisCluster, requireQualifiedOneSlot } from './redis-cluster.js';
import type { RunRecordsStore, StoredRecords } from './run-records.js';
import { MAX_AUDIT_ENTRIES } from './run-records.js';
import type { JobRef } from './store.js';

export const REDIS_TAGS_FIELD = 'iteration:tags';
export const REDIS_AUDIT_FIELD = 'iteration:audit';

const SET_COMMAND = 'bullmqIterationSetRecord';
const APPEND_COMMAND = 'bullmqIterationAppendAudit';

// KEYS[1] job hash; ARGV[1] field, ARGV[2] value. Never re-creates the hash of a removed job.
const SET_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
`;

// KEYS[1] job hash; ARGV[1] field, ARGV[2] entry (one line of JSON), ARGV[3] entries kept.
const APPEND_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local text = (redis.call('HGET', KEYS[1], ARGV[1]) or '') .. ARGV[2] .. '\\n'
local lines = 0
for _ in string.gmatch(text, '\\n') do lines = lines + 1 end
local drop = lines - tonumber(ARGV[3])
while drop > 0 do
  text = string.sub(text, string.find(text, '\\n', 1, true) + 1)
  drop = drop - 1
end
redis.call('HSET', KEYS[1], ARGV[1], text)
return 1
`;

const defined = new WeakSet<RedisClient>();

export class RedisRunRecords implements RunRecordsStore {
  readonly #backend: RedisQueueBackend;

  constructor(backend: RedisQueueBackend) {
    this.#backend = backend;
  }

  async load(job: JobRef): Promise<StoredRecords> {
    const client = await this.#client();
    const [tags, audit] = await client.hmget(
      this.#backend.toKey(job.id),
      REDIS_TAGS_FIELD,
      REDIS_AUDIT_FIELD,
    );
    return { tags: tags ?? undefined, audit: linesOf(audit) };
  }

  async setTags(job: JobRef, json: string): Promise<void> {
    const client = await this.#client();
    await client.runCommand(SET_COMMAND, [this.#backend.toKey(job.id), REDIS_TAGS_FIELD, json]);
  }

  async appendAudit(job: JobRef, json: string): Promise<void> {
    const client = await this.#client();
    await client.runCommand(APPEND_COMMAND, [
      this.#backend.toKey(job.id),
      REDIS_AUDIT_FIELD,
      json.replace(/\n/g, ' '),
      String(MAX_AUDIT_ENTRIES),
    ]);
  }

  async #client(): Promise<RedisClient> {
    const client = await this.#backend.client;
    if (isRedisCluster(client)) requireQualifiedOneSlot(this.#backend.qualifiedName);
    if (!defined.has(client)) {
      client.defineCommand(SET_COMMAND, { numberOfKeys: 1, lua: SET_SCRIPT });
      client.defineCommand(APPEND_COMMAND, { numberOfKeys: 1, lua: APPEND_SCRIPT });
      defined.add(client);
    }
    return client;
  }
}

function linesOf(text: string | null | undefined): string[] {
  return text ? text.split('\n').filter((line) => line !== '') : [];
}
