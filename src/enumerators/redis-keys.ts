/**
 * `redisKeys`: the keys of a Redis database that match a pattern, walked with `SCAN` so the server
 * is never blocked the way `KEYS` blocks it. The cursor holds the server's SCAN cursor of the
 * current reply plus the keys of that reply already done; keys are remembered by name, not by
 * position, because the same SCAN cursor may return a different reply once keys were added, removed
 * or the table was resized.
 */
import type { IterationEnumerator } from '../enumerator.js';
import { EnumeratorError } from '../errors.js';
import { enumerable } from './enumerable.js';
import {
  cursorError,
  isObject,
  optionError,
  optionsObject,
  positiveInteger,
  shown,
} from './validate.js';

/** What `redisKeys` needs of a client: `SCAN` as ioredis exposes it (an ioredis `Redis` fits). */
export interface RedisScanClient {
  scan(
    cursor: string,
    matchToken: 'MATCH',
    pattern: string,
    countToken: 'COUNT',
    count: number,
  ): Promise<[cursor: string, elements: string[]]>;
  scan(
    cursor: string,
    matchToken: 'MATCH',
    pattern: string,
    countToken: 'COUNT',
    count: number,
    typeToken: 'TYPE',
    type: string,
  ): Promise<[cursor: string, elements: string[]]>;
}

/**
 * Cursor of `redisKeys`: the SCAN cursor whose reply is being worked through (`"0"` for the first)
 * and the keys of that reply already yielded. After the last key of a reply it moves to the next
 * SCAN cursor with `done: []`; after the last key of the last reply it stays on that reply with
 * every key in `done`, so a resume reads the reply once more, finds nothing new and ends.
 */
export interface RedisKeysCursor {
  readonly scan: string;
  readonly done: readonly string[];
}

export interface RedisKeysOptions {
  /** The client to scan with, e.g. `new Redis(url)` from ioredis. Standalone Redis only. */
  readonly redis: RedisScanClient;
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
 * yielded. For Redis Cluster, scan each master with its own enumerator (see `nested`).
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
  if (!isObject(redis) || typeof redis.scan !== 'function') {
    throw optionError('redisKeys', 'redis', redis, 'a Redis client with a `scan` method (ioredis)');
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
  const start = redisKeysStart(options.cursor);
  const scan = (cursor: string) =>
    type === undefined
      ? redis.scan(cursor, 'MATCH', match, 'COUNT', count)
      : redis.scan(cursor, 'MATCH', match, 'COUNT', count, 'TYPE', type);

  return enumerable(async function* () {
    let current = start.scan;
    let already = start.done;
    for (;;) {
      const [next, keys] = checkReply(await scan(current), current);
      // SCAN may list a key twice in one reply; a resume skips the keys it already did by name.
      const seen = new Set(already);
      const fresh = keys.filter((key) => !seen.has(key) && seen.add(key));
      for (let index = 0; index < fresh.length; index++) {
        const cursor: RedisKeysCursor =
          index === fresh.length - 1 && next !== '0'
            ? { scan: next, done: [] }
            : { scan: current, done: [...already, ...fresh.slice(0, index + 1)] };
        yield [fresh[index] as string, cursor] as const;
      }
      if (next === '0') return;
      current = next;
      already = [];
    }
  });
}

function redisKeysStart(cursor: unknown): RedisKeysCursor {
  if (cursor === null || cursor === undefined) return { scan: '0', done: [] };
  if (
    !isObject(cursor) ||
    typeof cursor.scan !== 'string' ||
    !/^\d+$/.test(cursor.scan) ||
    !Array.isArray(cursor.done) ||
    !cursor.done.every((key) => typeof key === 'string') ||
    Object.keys(cursor).length !== 2
  ) {
    throw cursorError(
      'redisKeys',
      cursor,
      'null or { scan: <SCAN cursor as a string>, done: [<keys of that reply already done>] }',
    );
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
