/**
 * Redis memory in use against `maxmemory`, from `INFO memory`. Near the limit Redis evicts keys
 * or refuses writes (BullMQ's own included), so batch jobs should stop adding load first. On a
 * Redis Cluster every master is read and the fullest counts: each has its own `maxmemory`, and a
 * full one refuses the writes of every queue whose slot it serves.
 */
import { mastersOf } from '../../backends/redis-cluster.js';
import { formatBytes, formatShare } from '../duration.js';
import { conditionName, share } from '../validate.js';
import { createHealthCheck } from './cached-check.js';
import type { HealthCheck, HealthCheckTiming, HealthVerdict } from './health-check.js';

/** The part of an ioredis client (or Cluster node) that {@link redisMemory} uses. */
export interface RedisInfoClient {
  info(section: string): Promise<string>;
}

/** What `INFO memory` reports. */
export interface RedisMemoryReading {
  /** `used_memory`, bytes. */
  readonly usedMemory: number;
  /** `maxmemory`, bytes; 0 means no limit. */
  readonly maxMemory: number;
}

/** Options of {@link redisMemory}. */
export interface RedisMemoryOptions extends HealthCheckTiming {
  /** An ioredis client or `Cluster` (every master is read); a dedicated connection is not needed. */
  readonly redis: RedisInfoClient;
  /** Unhealthy above this share of `maxmemory`. @defaultValue 0.9 */
  readonly maxShare?: number;
  /** @defaultValue 'redis-memory' */
  readonly name?: string;
}

/**
 * Throttles while Redis is close to its `maxmemory`. Healthy when `maxmemory` is 0 (no limit).
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * const memory = redisMemory({ redis: new Redis(process.env.REDIS_URL!), maxShare: 0.85 });
 * ```
 */
export function redisMemory(options: RedisMemoryOptions): HealthCheck {
  const where = (key: string) => ({ where: `redisMemory() option ${key}` });
  const name = conditionName(options.name ?? 'redis-memory', where('name'));
  const maxShare = share(options.maxShare ?? 0.9, where('maxShare'));
  const { redis } = options;
  const probe = async () => {
    const masters = await mastersOf(redis);
    const readings = await Promise.all(
      masters.map(async (node) => readRedisMemory(await node.info('memory'))),
    );
    const verdict = decideRedisMemory(fullest(readings), { maxShare });
    return masters.length === 1
      ? verdict
      : { ...verdict, detail: `${verdict.detail}, fullest of ${masters.length} masters` };
  };
  return createHealthCheck(name, probe, options, 'redisMemory()');
}

/** The reading closest to its `maxmemory` (a node without a limit counts as empty). */
function fullest(readings: readonly RedisMemoryReading[]): RedisMemoryReading {
  const share = (r: RedisMemoryReading) => (r.maxMemory > 0 ? r.usedMemory / r.maxMemory : -1);
  return readings.reduce((worst, reading) => (share(reading) > share(worst) ? reading : worst));
}

/**
 * Reads `used_memory` and `maxmemory` from the text of `INFO` (or `INFO memory`).
 *
 * @example
 * ```ts
 * readRedisMemory('# Memory\r\nused_memory:1024\r\nmaxmemory:0\r\n'); // { usedMemory: 1024, maxMemory: 0 }
 * ```
 */
export function readRedisMemory(info: string): RedisMemoryReading {
  const fields = new Map<string, string>();
  for (const line of info.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#'))
      fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  const field = (key: string): number => {
    const value = Number(fields.get(key));
    if (!fields.has(key) || !Number.isFinite(value)) {
      throw new Error(`INFO memory has no numeric ${key} (got ${fields.get(key) ?? 'nothing'})`);
    }
    return value;
  };
  return { usedMemory: field('used_memory'), maxMemory: field('maxmemory') };
}

/**
 * The verdict on a memory reading.
 *
 * @example
 * ```ts
 * decideRedisMemory({ usedMemory: 950 * 2 ** 20, maxMemory: 2 ** 30 }, { maxShare: 0.9 });
 * // { healthy: false, detail: 'memory 950.0 MB of 1.0 GB (93 %, limit 90 %)' }
 * ```
 */
export function decideRedisMemory(
  reading: RedisMemoryReading,
  limits: { readonly maxShare: number },
): HealthVerdict {
  if (reading.maxMemory <= 0) {
    return { healthy: true, detail: `memory ${formatBytes(reading.usedMemory)}, no maxmemory set` };
  }
  const inUse = reading.usedMemory / reading.maxMemory;
  return {
    healthy: inUse <= limits.maxShare,
    detail:
      `memory ${formatBytes(reading.usedMemory)} of ${formatBytes(reading.maxMemory)} ` +
      `(${formatShare(inUse)}, limit ${formatShare(limits.maxShare)})`,
  };
}
