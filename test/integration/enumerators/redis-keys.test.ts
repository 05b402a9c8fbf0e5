import { randomBytes } from 'node:crypto';

import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import type { RedisScanClient } from '../../../src/enumerators/index.js';
import { redisKeys } from '../../../src/enumerators/index.js';
import { assertResumable, runWithInterruptions } from '../../../src/enumerators/testing.js';
import { redisUrl } from '../../support/servers.js';
import { stopSchedules } from '../../unit/enumerators/support.js';

// A database of its own, so the keyspace changes only when a test changes it: SCAN repeats keys
// when the server resizes its table, which writes from other tests could cause.
const DB = 11;

describe('redisKeys on Redis', () => {
  let redis: Redis;
  let prefix: string;

  beforeAll(() => {
    redis = new Redis(redisUrl(), { db: DB });
  });

  afterEach(async () => {
    // The prefix without its colon also covers the other keys a test wrote next to its own.
    const stale = await redis.keys(`${prefix.slice(0, -1)}*`);
    if (stale.length > 0) await redis.unlink(...stale);
  });

  afterAll(async () => {
    await redis.quit();
  });

  async function seed(count: number): Promise<string[]> {
    prefix = `enum-scan:${randomBytes(4).toString('hex')}:`;
    const keys = Array.from({ length: count }, (_, i) => `${prefix}k${i}`);
    const pipeline = redis.pipeline();
    for (const key of keys) pipeline.set(key, '1');
    pipeline.set(`${prefix.slice(0, -1)}-other:x`, '1');
    await pipeline.exec();
    return keys;
  }

  it('yields every matching key once, resuming anywhere (property)', async () => {
    const keys = await seed(60);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 25 }), stopSchedules(62), async (count, stops) => {
        const build = (cursor: unknown) => redisKeys({ redis, match: `${prefix}*`, count, cursor });
        const whole = await runWithInterruptions(build, []);
        const run = await runWithInterruptions(build, stops);
        expect(run.items).toEqual(whole.items);
        expect([...run.items].sort()).toEqual([...keys].sort());
      }),
      { numRuns: 40 },
    );
  });

  it('passes assertResumable, and filters by type', async () => {
    await seed(12);
    await redis.hset(`${prefix}hash`, 'a', '1');
    await assertResumable((cursor) => redisKeys({ redis, match: `${prefix}*`, count: 5, cursor }));
    const hashes = await runWithInterruptions(
      (cursor) => redisKeys({ redis, match: `${prefix}*`, type: 'hash', cursor }),
      [0, 1],
    );
    expect(hashes.items).toEqual([`${prefix}hash`]);
  });

  it('does not skip a key when one done before the interruption is deleted', async () => {
    const keys = await seed(30);
    const build = (cursor: unknown) =>
      redisKeys({ redis, match: `${prefix}*`, count: 1000, cursor });
    // One reply holds every key; stop after three of them, then delete the first one.
    const first = await runWithInterruptions(build, [3]);
    const [gone] = first.items;
    let resumedFrom: unknown = first.cursors[2];
    await redis.del(gone as string);
    const rest: string[] = [];
    for await (const [key, cursor] of build(resumedFrom)) {
      rest.push(key);
      resumedFrom = cursor;
    }
    const done = first.items.slice(0, 3);
    expect(rest.some((key) => done.includes(key))).toBe(false);
    expect([...done, ...rest].sort()).toEqual([...keys].sort());
  });

  it('visits every key that exists throughout, while keys come and go and the table grows', async () => {
    const stable = await seed(300);
    const seen = new Set<string>();
    let cursor: unknown = null;
    let round = 0;
    for (let ended = false; !ended; round++) {
      ended = true;
      let taken = 0;
      for await (const [key, after] of redisKeys({
        redis,
        match: `${prefix}*`,
        count: 20,
        cursor,
      })) {
        seen.add(key);
        cursor = after;
        if (++taken === 25) {
          ended = false;
          break;
        }
      }
      // Between runs: a matching key created and one deleted; in the first rounds also enough
      // other keys to make Redis resize its table, which is when SCAN returns keys again.
      const pipeline = redis.pipeline();
      pipeline.set(`${prefix}new${round}`, '1');
      pipeline.del(`${prefix}new${round - 1}`);
      if (round < 3) {
        for (let i = 0; i < 2000; i++)
          pipeline.set(`${prefix.slice(0, -1)}-other:${round}:${i}`, '1');
      }
      await pipeline.exec();
    }
    expect(round).toBeGreaterThan(3);
    expect(stable.filter((key) => !seen.has(key))).toEqual([]);
  });

  it('reads nothing before the first next()', async () => {
    await seed(3);
    let scans = 0;
    const scan = redis.scan as unknown as (...args: unknown[]) => Promise<[string, string[]]>;
    const counting = {
      scan(...args: unknown[]) {
        scans++;
        return scan.apply(redis, args);
      },
    } as unknown as RedisScanClient;
    const iterator = redisKeys({ redis: counting, match: `${prefix}*` })[Symbol.asyncIterator]();
    expect(scans).toBe(0);
    await iterator.next();
    expect(scans).toBeGreaterThan(0);
    await iterator.return?.();
  });
});
