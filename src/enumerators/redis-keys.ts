/**
 * `redisKeys`: the keys of a Redis database that match a pattern, walked with `SCAN` so the server
 * is never blocked the way `KEYS` blocks it. The cursor holds the server's SCAN cursor of the
 * current reply plus the keys of that reply already done; keys are remembered by name, not by
 * position, because the same SCAN cursor may return a different reply once keys were added, removed
 * or the table was resized. On a Redis Cluster every master is scanned in turn (redis-shards.ts),
 * and the cursor also names the master.
 */
import { isRedisCluster } from '../backends/redis-cluster.js';
import type { IterationEnumerator } from '../enumerator.js';
import { EnumeratorError } from '../errors.js';
import { enumerable } from './enumerable.js';
import type { RedisClusterScanClient, RedisScanClient, Shard } from './redis-shards.js';
import { resumeAt, shardsOf } from './redis-shards.js';
import {
  cursorError,
  isObject,
  optionError,
  optionsObject,
  positiveInteger,
  shown,
} from './validate.js';

export type { RedisClusterScanClient, RedisScanClient } from './redis-shards.js';

/**
 * Cursor of `redisKeys`: the SCAN cursor whose reply is being worked through (`"0"` for the first)
 * and the keys of that reply already yielded. After the last key of a reply it moves to the next
 * SCAN cursor with `done: []`; after the last key of the last reply it stays on that reply with
 * every key in `done`, so a resume reads the reply once more, finds nothing new and ends.
 */
export interface RedisKeysCursor {
  readonly scan: string;
  readonly done: readonly string[];
  /** On a Redis Cluster: the lowest hash slot of the master being scanned. */
  readonly slot?: number;
  /** On a Redis Cluster: the `host:port` of the master whose SCAN cursor `scan` is. */
  readonly node?: string;
}

export interface RedisKeysOptions {
  /**
   * The client to scan with: an ioredis `Redis`, or an ioredis `Cluster`, whose masters are then
   * scanned one after the other.
   */
  readonly redis: RedisScanClient | RedisClusterScanClient;
  /** Glob-style pattern of the keys to visit, as for `SCAN … MATCH`. @defaultValue '*' */
  readonly match?: string;
  /** Keys Redis examines per `SCAN` call (a hint, not a page size). @defaultValue 100 */
  readonly count?: number;
  /** Only keys of this type (`string`, `hash`, `zset`, …); needs Redis 6 or later. */
  readonly type?: string;
  /** The cursor the runtime passed: `null` (or omitted) to start a new scan. */
  readonly cursor?: unknown;
}

/**
 * Enumerates the keys matching `match` with `SCAN`, one key per item.
 *
 * Guarantee (SCAN's, kept across interruptions): every key that exists from the start of the job to
 * its end and matches is yielded at least once. Keys created or deleted meanwhile may or may not be
 * yielded. A key may be yielded more than once, as SCAN itself may return a key twice (while the
 * server resizes its table, or when a resume reads a reply that changed): make the work per key
 * idempotent. Keys are not yielded in any meaningful order.
 *
 * With ioredis' `keyPrefix` option, the prefix is not added to `match` and is part of the keys
 * yielded. On a Redis Cluster (an ioredis `Cluster` as `redis`) every master is scanned, in the
 * order of the slots it serves; the guarantee holds across a failover (the new master's keys are
 * scanned again from its start, so some come twice), not across resharding (keys that move to a
 * master already scanned are missed).
 *
 * @example
 * ```ts
 * defineIterationJob({
 *   name: 'expire-sessions',
 *   buildEnumerator: ({ cursor }) => redisKeys({ redis, match: 'session:*', cursor }),
 *   async eachIteration(key) { await expireIfStale(key); },
 * });
 * ```
 */
export function redisKeys(options: RedisKeysOptions): IterationEnumerator<string, RedisKeysCursor> {
  optionsObject('redisKeys', options, "redisKeys({ redis, match: 'user:*', cursor })");
  const { redis } = options;
  const cluster = isRedisCluster(redis);
  if (
    !isObject(redis) ||
    (cluster
      ? typeof (redis as RedisClusterScanClient).nodes !== 'function'
      : typeof (redis as RedisScanClient).scan !== 'function')
  ) {
    throw optionError(
      'redisKeys',
      'redis',
      redis,
      'a Redis client with a `scan` method, or a Redis Cluster (ioredis `Redis` or `Cluster`)',
    );
  }
  const match = options.match ?? '*';
  if (typeof match !== 'string' || match === '') {
    throw optionError('redisKeys', 'match', match, "a non-empty glob pattern such as 'user:*'");
  }
  const count = positiveInteger('redisKeys', 'count', options.count ?? 100);
  const { type } = options;
  if (type !== undefined && (typeof type !== 'string' || type === '')) {
    throw optionError('redisKeys', 'type', type, "a Redis type name such as 'hash'");
  }
  const start = redisKeysStart(options.cursor, cluster);
  const scan = (shard: Shard, cursor: string) =>
    type === undefined
      ? shard.client.scan(cursor, 'MATCH', match, 'COUNT', count)
      : shard.client.scan(cursor, 'MATCH', match, 'COUNT', count, 'TYPE', type);
  const at = (shard: Shard | undefined, scan: string, done: readonly string[]): RedisKeysCursor =>
    shard?.slot === undefined
      ? { scan, done }
      : { slot: shard.slot, node: shard.node as string, scan, done };

  return enumerable(async function* () {
    const shards = await shardsOf(redis);
    const resume = resumeAt(shards, start);
    let current = resume.fresh ? '0' : start.scan;
    let already = resume.fresh ? [] : start.done;
    for (let s = resume.index; s < shards.length; s++) {
      const shard = shards[s] as Shard;
      const following = shards[s + 1];
      for (;;) {
        const [next, keys] = checkReply(await scan(shard, current), current);
        // SCAN may list a key twice in one reply; a resume skips the keys it already did by name.
        const seen = new Set(already);
        const fresh = keys.filter((key) => !seen.has(key) && seen.add(key));
        for (let index = 0; index < fresh.length; index++) {
          const last = index === fresh.length - 1;
          const cursor =
            last && next !== '0'
              ? at(shard, next, [])
              : last && following !== undefined
                ? at(following, '0', [])
                : at(shard, current, [...already, ...fresh.slice(0, index + 1)]);
          yield [fresh[index] as string, cursor] as const;
        }
        if (next === '0') break;
        current = next;
        already = [];
      }
      current = '0';
      already = [];
    }
  });
}

function redisKeysStart(cursor: unknown, cluster: boolean): RedisKeysCursor {
  if (cursor === null || cursor === undefined) return { scan: '0', done: [] };
  const shape = cluster
    ? 'null or { slot: <lowest slot of the master>, node: "<host:port>", scan: <SCAN cursor as a string>, done: [<keys of that reply already done>] } (a Redis Cluster cursor)'
    : 'null or { scan: <SCAN cursor as a string>, done: [<keys of that reply already done>] }';
  if (
    !isObject(cursor) ||
    typeof cursor.scan !== 'string' ||
    !/^\d+$/.test(cursor.scan) ||
    !Array.isArray(cursor.done) ||
    !cursor.done.every((key) => typeof key === 'string') ||
    Object.keys(cursor).length !== (cluster ? 4 : 2) ||
    (cluster &&
      (!Number.isInteger(cursor.slot) ||
        (cursor.slot as number) < 0 ||
        (cursor.slot as number) > 16_383 ||
        typeof cursor.node !== 'string'))
  ) {
    throw cursorError('redisKeys', cursor, shape);
  }
  return cursor as unknown as RedisKeysCursor;
}

function checkReply(reply: unknown, cursor: string): [string, string[]] {
  if (
    !Array.isArray(reply) ||
    typeof reply[0] !== 'string' ||
    !Array.isArray(reply[1]) ||
    !reply[1].every((key) => typeof key === 'string')
  ) {
    throw new EnumeratorError(
      `redisKeys: SCAN ${cursor} answered ${shown(reply)}; expected [cursor, [keys…]] with ` +
        `string keys (a client that decodes replies as strings, such as ioredis' \`Redis\`).`,
      { source: 'redisKeys' },
    );
  }
  return reply as [string, string[]];
}
