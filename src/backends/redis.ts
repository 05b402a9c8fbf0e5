/**
 * Fenced checkpoint writes on BullMQ's Redis backend.
 *
 * The state lives in a field of the job's own hash (`<prefix>:<queue>:<id>`), so it disappears with
 * the job when BullMQ removes it, and a Lua script writes it only while the job's lock key holds the
 * writer's token. Both keys share the `<prefix>:<queue>` part, so on Redis Cluster they land in the
 * same slot whenever the prefix is hash-tagged, as BullMQ itself requires; the store checks that
 * once per client and refuses an untagged prefix with the fix (see redis-cluster.ts). Each script
 * touches only the keys of one job; no command here spans jobs.
 */
import type { RedisClient, RedisQueueBackend } from 'bullmq';

import { isRedisCluster, requireQualifiedOneSlot } from './redis-cluster.js';
import type { CheckpointStore, JobRef } from './store.js';

/** Name of the job-hash field that holds the iteration state. */
export const REDIS_STATE_FIELD = 'iteration:state';
/** Name of the job-hash field that holds a pending control request. */
export const REDIS_CONTROL_FIELD = 'iteration:control';
/** Name of the job-hash field that holds the replays' claims on the job's recorded items. */
export const REDIS_CLAIMS_FIELD = 'iteration:claims';
/** Name of the job-hash field that holds a run's live settings. */
export const REDIS_SETTINGS_FIELD = 'iteration:settings';

const SAVE_COMMAND = 'bullmqIterationSaveState';
const CONTROL_COMMAND = 'bullmqIterationSetControl';
const SWAP_COMMAND = 'bullmqIterationSwapClaims';
const TOKENS_COMMAND = 'bullmqIterationTakeTokens';
const SLOT_COMMAND = 'bullmqIterationTakeSlot';
const RELEASE_COMMAND = 'bullmqIterationReleaseSlot';

// KEYS[1] lock key, KEYS[2] job hash; ARGV[1] token, ARGV[2] state JSON, ARGV[3] field.
// EXISTS keeps a write from re-creating the hash of a job removed meanwhile.
const SAVE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] and redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('HSET', KEYS[2], ARGV[3], ARGV[2])
  return 1
end
return 0
`;

// KEYS[1] job hash; ARGV[1] field, ARGV[2] control JSON or '' to clear. EXISTS: never re-create
// the hash of a job that was removed.
const CONTROL_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[2] == '' then redis.call('HDEL', KEYS[1], ARGV[1]) else redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
return 1
`;

// KEYS[1] job hash; ARGV[1] field, ARGV[2] expected value ('' for none), ARGV[3] new value.
const SWAP_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current == false then current = '' end
if current ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
`;

// KEYS[1] job hash; ARGV[1] tokens wanted, ARGV[2] per second, ARGV[3] burst. The server's
// clock, so workers on machines with skewed clocks share one bucket fairly.
const TOKENS_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {tonumber(ARGV[1]), 0} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local tokens = tonumber(redis.call('HGET', KEYS[1], 'iteration:rateTokens'))
local at = tonumber(redis.call('HGET', KEYS[1], 'iteration:rateAt'))
if tokens == nil or at == nil then tokens = burst; at = now end
tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000)
local granted = math.min(tonumber(ARGV[1]), math.floor(tokens))
tokens = tokens - granted
redis.call('HSET', KEYS[1], 'iteration:rateTokens', tostring(tokens), 'iteration:rateAt', now)
local wait = 0
if granted == 0 then wait = math.ceil((1 - tokens) * 1000 / rate) end
return {granted, wait}
`;

// KEYS[1] slots by first take (zset), KEYS[2] slots' expiries (hash); ARGV[1] holder, ARGV[2]
// target, ARGV[3] ttl. Both keys share the job's `<prefix>:<queue>:<id>` part: one hash slot.
const SLOT_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expiries = redis.call('HGETALL', KEYS[2])
for i = 1, #expiries, 2 do
  if tonumber(expiries[i + 1]) < now then
    redis.call('ZREM', KEYS[1], expiries[i])
    redis.call('HDEL', KEYS[2], expiries[i])
  end
end
local target = tonumber(ARGV[2])
local rank = redis.call('ZRANK', KEYS[1], ARGV[1])
if rank ~= false and rank >= target then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
  return {0, redis.call('ZCARD', KEYS[1])}
end
if rank == false then
  if redis.call('ZCARD', KEYS[1]) >= target then return {0, redis.call('ZCARD', KEYS[1])} end
  redis.call('ZADD', KEYS[1], now, ARGV[1])
end
redis.call('HSET', KEYS[2], ARGV[1], now + tonumber(ARGV[3]))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) * 4)
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[3]) * 4)
return {1, redis.call('ZCARD', KEYS[1])}
`;

const RELEASE_SCRIPT = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1
`;

const defined = new WeakSet<RedisClient>();

export class RedisCheckpointStore implements CheckpointStore {
  readonly #backend: RedisQueueBackend;
  /** The connection once resolved: strict mode saves per item, so it skips an await per save. */
  #ready: RedisClient | undefined;

  constructor(backend: RedisQueueBackend) {
    this.#backend = backend;
  }

  async load(job: JobRef): Promise<string | undefined> {
    const client = this.#ready ?? (await this.#client());
    const value = await client.hget(this.#jobKey(job), REDIS_STATE_FIELD);
    return value ?? undefined;
  }

  async save(job: JobRef, token: string, json: string): Promise<boolean> {
    const client = this.#ready ?? (await this.#client());
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

  async loadControl(job: JobRef): Promise<string | undefined> {
    const client = this.#ready ?? (await this.#client());
    return (await client.hget(this.#jobKey(job), REDIS_CONTROL_FIELD)) ?? undefined;
  }

  async setControl(job: JobRef, json: string | null): Promise<void> {
    const client = this.#ready ?? (await this.#client());
    await client.runCommand(CONTROL_COMMAND, [this.#jobKey(job), REDIS_CONTROL_FIELD, json ?? '']);
  }

  loadClaims(job: JobRef): Promise<string | undefined> {
    return this.#loadField(job, REDIS_CLAIMS_FIELD);
  }

  swapClaims(job: JobRef, expected: string | undefined, next: string): Promise<boolean> {
    return this.#swapField(job, REDIS_CLAIMS_FIELD, expected, next);
  }

  loadSettings(job: JobRef): Promise<string | undefined> {
    return this.#loadField(job, REDIS_SETTINGS_FIELD);
  }

  swapSettings(job: JobRef, expected: string | undefined, next: string): Promise<boolean> {
    return this.#swapField(job, REDIS_SETTINGS_FIELD, expected, next);
  }

  async #loadField(job: JobRef, field: string): Promise<string | undefined> {
    const client = this.#ready ?? (await this.#client());
    return (await client.hget(this.#jobKey(job), field)) ?? undefined;
  }

  /** Sets `field` of the job's hash to `next` if it still holds `expected` (none: `undefined`). */
  async #swapField(
    job: JobRef,
    field: string,
    expected: string | undefined,
    next: string,
  ): Promise<boolean> {
    const client = this.#ready ?? (await this.#client());
    const swapped: unknown = await client.runCommand(SWAP_COMMAND, [
      this.#jobKey(job),
      field,
      expected ?? '',
      next,
    ]);
    return swapped === 1;
  }

  async takeTokens(job: JobRef, wanted: number, perSecond: number, burst: number) {
    const client = this.#ready ?? (await this.#client());
    const [granted, waitMs] = (await client.runCommand(TOKENS_COMMAND, [
      this.#jobKey(job),
      String(wanted),
      String(perSecond),
      String(burst),
    ])) as [number, number];
    return { granted: Number(granted), waitMs: Number(waitMs) };
  }

  async takeSlot(job: JobRef, holder: string, target: number, ttlMs: number) {
    const client = this.#ready ?? (await this.#client());
    const key = this.#jobKey(job);
    const [held, holders] = (await client.runCommand(SLOT_COMMAND, [
      `${key}:slots`,
      `${key}:slots:expiry`,
      holder,
      String(target),
      String(Math.round(ttlMs)),
    ])) as [number, number];
    return { held: Number(held) === 1, holders: Number(holders) };
  }

  async releaseSlot(job: JobRef, holder: string): Promise<void> {
    const client = this.#ready ?? (await this.#client());
    const key = this.#jobKey(job);
    await client.runCommand(RELEASE_COMMAND, [`${key}:slots`, `${key}:slots:expiry`, holder]);
  }

  async #client(): Promise<RedisClient> {
    const client = await this.#backend.client;
    if (isRedisCluster(client)) requireQualifiedOneSlot(this.#backend.qualifiedName);
    if (!defined.has(client)) {
      client.defineCommand(SAVE_COMMAND, { numberOfKeys: 2, lua: SAVE_SCRIPT });
      client.defineCommand(CONTROL_COMMAND, { numberOfKeys: 1, lua: CONTROL_SCRIPT });
      client.defineCommand(SWAP_COMMAND, { numberOfKeys: 1, lua: SWAP_SCRIPT });
      client.defineCommand(TOKENS_COMMAND, { numberOfKeys: 1, lua: TOKENS_SCRIPT });
      client.defineCommand(SLOT_COMMAND, { numberOfKeys: 2, lua: SLOT_SCRIPT });
      client.defineCommand(RELEASE_COMMAND, { numberOfKeys: 2, lua: RELEASE_SCRIPT });
      defined.add(client);
    }
    this.#ready = client;
    return client;
  }

  #jobKey(job: JobRef): string {
    // The backend is bound to one queue; every job a worker runs belongs to it.
    return this.#backend.toKey(job.id);
  }
}
