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

/**
 * A fake Redis Cluster: three masters, each a `fakeRedis` over its own keys, serving slot ranges
 * that start at 0, 5461 and 10923. `failover(i)` gives master i a new address (its replica took
 * over with the same keys and slots).
 */
function fakeCluster(keysByMaster: readonly (readonly string[])[]) {
  const starts = [0, 5461, 10923];
  const masters = keysByMaster.map((keys, i) =>
    Object.assign(fakeRedis(keys), { options: { host: '10.0.0.1', port: 7000 + i } }),
  );
  const owners = Array.from(
    { length: 16_384 },
    (_, slot) => starts.filter((start) => start <= slot).length - 1,
  );
  const table = () =>
    owners.map((owner) => {
      const { host, port } = masters[owner]!.options;
      return [`${host}:${port}`];
    });
  const cluster = {
    isCluster: true as const,
    slots: table(),
    // Listed out of slot order: the scan order comes from the slots, not from this list.
    nodes: () => [masters[2]!, masters[0]!, masters[1]!],
    failover(i: number) {
      masters[i]!.options = { host: '10.0.0.2', port: 7000 + i };
      cluster.slots = table();
    },
  };
  return cluster;
}

describe('redisKeys on a Redis Cluster', () => {
  const keys = [
    ['a:1', 'a:2', 'a:3'],
    ['a:4', 'b:1', 'a:5', 'a:6'],
    ['a:7', 'a:8'],
  ];

  it('scans every master in slot order; each cursor names the master', async () => {
    const redis = fakeCluster(keys);
    const run = await runWithInterruptions(
      (cursor) => redisKeys({ redis, match: 'a:*', count: 2, cursor }),
      [],
    );
    expect(run.items).toEqual(['a:1', 'a:2', 'a:3', 'a:4', 'a:5', 'a:6', 'a:7', 'a:8']);
    expect(run.cursors[2]).toEqual({ slot: 5461, node: '10.0.0.1:7001', scan: '0', done: [] });
    expect(run.cursors.at(-1)).toEqual({
      slot: 10923,
      node: '10.0.0.1:7002',
      scan: '0',
      done: ['a:7', 'a:8'],
    });
  });

  it('resumes anywhere, each key once (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), stopSchedules(10), async (count, stops) => {
        const redis = fakeCluster(keys);
        const run = await runWithInterruptions(
          (cursor) => redisKeys({ redis, match: 'a:*', count, cursor }),
          stops,
        );
        expect(run.items).toEqual(['a:1', 'a:2', 'a:3', 'a:4', 'a:5', 'a:6', 'a:7', 'a:8']);
      }),
      { numRuns: 50 },
    );
  });

  it('after a failover the new master is scanned from its start: keys may come twice, none is missed', async () => {
    const redis = fakeCluster(keys);
    const build = (cursor: unknown) => redisKeys({ redis, match: 'a:*', count: 2, cursor });
    const first = await runWithInterruptions(build, [5]);
    // Stopped inside the second master's scan, past its first reply.
    expect(first.starts[1]).toMatchObject({ slot: 5461, node: '10.0.0.1:7001', scan: '2' });
    redis.failover(1);
    const again = await runWithInterruptions((cursor) => build(cursor ?? first.starts[1]), []);
    expect(again.items).toEqual(['a:4', 'a:5', 'a:6', 'a:7', 'a:8']);
    expect(again.cursors[0]).toMatchObject({ node: '10.0.0.2:7001' });
  });

  it('refuses a single-server cursor, and a cluster cursor on a single server', () => {
    expect(() => redisKeys({ redis: fakeCluster(keys), cursor: { scan: '0', done: [] } })).toThrow(
      /\{ slot: <lowest slot of the master>, node: "<host:port>".*a Redis Cluster cursor/,
    );
    const cursor = { slot: 0, node: '10.0.0.1:7000', scan: '0', done: [] };
    expect(() => redisKeys({ redis: fakeRedis([]), cursor })).toThrow(CursorError);
  });
});
