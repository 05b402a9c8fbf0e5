import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { RedisScanClient } from '../../../src/enumerators/index.js';
import { redisKeys } from '../../../src/enumerators/index.js';
import { runWithInterruptions } from '../../../src/enumerators/testing.js';
import { CursorError, EnumeratorError } from '../../../src/errors.js';
import { stopSchedules } from './support.js';

/**
 * A stand-in for SCAN over a fixed keyspace: the cursor is a position, `count` keys are examined
 * per call, and MATCH is a prefix ending in `*`. Enough to test the cursor logic without a server.
 */
function fakeRedis(keys: readonly string[]): RedisScanClient & { calls: number } {
  const client = {
    calls: 0,
    async scan(cursor: string, _match: 'MATCH', pattern: string, _count: 'COUNT', count: number) {
      client.calls++;
      const at = Number(cursor);
      const slice = keys.slice(at, at + count);
      const next = at + count >= keys.length ? '0' : String(at + count);
      return [next, slice.filter((key) => key.startsWith(pattern.slice(0, -1)))] as [
        string,
        string[],
      ];
    },
  };
  return client;
}

describe('redisKeys', () => {
  it('yields keys one by one, the cursor naming the reply and the keys done in it', async () => {
    const redis = fakeRedis(['a:1', 'b:1', 'a:2', 'a:3']);
    const run = await runWithInterruptions(
      (cursor) => redisKeys({ redis, match: 'a:*', count: 2, cursor }),
      [],
    );
    expect(run.items).toEqual(['a:1', 'a:2', 'a:3']);
    expect(run.cursors).toEqual([
      { scan: '2', done: [] },
      { scan: '2', done: ['a:2'] },
      { scan: '2', done: ['a:2', 'a:3'] },
    ]);
  });

  it('resumes anywhere, empty replies included (property)', async () => {
    const keyspace = fc.uniqueArray(
      fc.constantFrom(...'abcdefghij').chain((c) => fc.nat(99).map((n) => `${c}:${n}`)),
      { maxLength: 40 },
    );
    await fc.assert(
      fc.asyncProperty(
        keyspace,
        fc.integer({ min: 1, max: 6 }),
        stopSchedules(40),
        async (keys, count, stops) => {
          const redis = fakeRedis(keys);
          const run = await runWithInterruptions(
            (cursor) => redisKeys({ redis, match: 'a:*', count, cursor }),
            stops,
          );
          expect(run.items).toEqual(keys.filter((key) => key.startsWith('a:')));
        },
      ),
    );
  });

  it('yields a key listed twice in one reply once', async () => {
    const redis: RedisScanClient = {
      scan: async () => ['0', ['x', 'y', 'x']] as [string, string[]],
    };
    const run = await runWithInterruptions((cursor) => redisKeys({ redis, cursor }), [1, 1]);
    expect(run.items).toEqual(['x', 'y']);
  });

  it('refuses bad options, foreign cursors and odd replies', async () => {
    const redis = fakeRedis([]);
    expect(() => redisKeys({ redis: {} as never })).toThrow(
      /redisKeys: expected `redis` to be a Redis client with a `scan` method/,
    );
    expect(() => redisKeys({ redis, match: '' })).toThrow(
      /expected `match` to be a non-empty glob/,
    );
    expect(() => redisKeys({ redis, count: 0 })).toThrow(
      /expected `count` to be a positive integer/,
    );
    expect(() => redisKeys({ redis, cursor: 17 })).toThrow(CursorError);
    expect(() => redisKeys({ redis, cursor: { scan: 'abc', done: [] } })).toThrow(
      /redisKeys: cannot resume from cursor .*expected null or \{ scan: <SCAN cursor as a string>/,
    );
    const odd = { scan: async () => ({ keys: [] }) } as unknown as RedisScanClient;
    await expect(runWithInterruptions(() => redisKeys({ redis: odd }), [])).rejects.toThrow(
      EnumeratorError,
    );
  });
});
