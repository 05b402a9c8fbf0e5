// keysetPartitions on real PostgreSQL and PGlite: with sparse, skewed and clustered keys of every
// kind it plans for, the partitions' keyset walks, one after another, are exactly one full walk
// (no row twice, none missed, in order), and their sizes are balanced.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { KeysetCursor } from '../../../src/enumerators/index.js';
import { keyset, keysetBatches } from '../../../src/enumerators/index.js';
import { runWithInterruptions } from '../../../src/enumerators/testing.js';
import { EnumeratorError } from '../../../src/errors.js';
import type { KeysetPartition, KeysetPartitionsOptions } from '../../../src/partitions/index.js';
import { keysetPartitions } from '../../../src/partitions/index.js';
import type { Database } from '../enumerators/databases.js';
import { databases, uniqueTable } from '../enumerators/databases.js';

type Row = Record<string, unknown>;

describe.each(databases)('keysetPartitions on $name', (kind) => {
  let db: Database;
  const tables: string[] = [];
  const table = (prefix: string) => {
    const name = uniqueTable(prefix);
    tables.push(name);
    return name;
  };

  beforeAll(async () => {
    db = await kind.open();
  });

  afterAll(async () => {
    for (const name of tables) await db.exec(`DROP TABLE IF EXISTS public."${name}" CASCADE`);
    await db.close();
  });

  /** Every partition walked to its end, in order; and one walk of the whole source. */
  async function walk(
    options: Omit<KeysetPartitionsOptions, 'count'>,
    partitions: KeysetPartition[],
  ): Promise<{ parts: Row[][]; whole: Row[] }> {
    const { sampleRows: _s, sampling: _m, seed: _d, ...source } = options;
    const parts: Row[][] = [];
    for (const partition of partitions) {
      const run = await runWithInterruptions(
        (cursor) => keyset({ ...source, batchSize: 397, ...partition, cursor }),
        [],
        { maxItems: 100_000 },
      );
      parts.push(run.items as Row[]);
    }
    const whole = await runWithInterruptions(
      (cursor) => keyset({ ...source, batchSize: 500, cursor }),
      [],
      { maxItems: 100_000 },
    );
    return { parts, whole: whole.items as Row[] };
  }

  function spread(parts: Row[][]): { min: number; max: number; mean: number } {
    const sizes = parts.map((part) => part.length);
    const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
    return { min: Math.min(...sizes), max: Math.max(...sizes), mean };
  }

  describe('int8 keys, dense then very sparse', () => {
    let ids: string;

    beforeAll(async () => {
      ids = table('kp_ids');
      await db.exec(`CREATE TABLE public.${ids} (id int8 PRIMARY KEY, v int4 NOT NULL)`);
      // 10,000 dense ids, then 2,000 ids a billion apart: a modulo or an even split of the key
      // space would put nearly every row in the first partition.
      await db.exec(`INSERT INTO public.${ids}
        SELECT i, i % 7 FROM generate_series(1, 10000) AS i
        UNION ALL SELECT 10000 + i * 1000000000::int8, i % 7 FROM generate_series(1, 2000) AS i`);
      await db.exec(`ANALYZE public.${ids}`);
    });

    it('ranks a small table whole: sizes differ by at most one row', async () => {
      const options = { query: db.query, table: ids, columns: ['id'] };
      const partitions = await keysetPartitions({ ...options, count: 7 });
      expect(partitions).toHaveLength(7);
      expect(partitions[0]?.after).toBeNull();
      expect(partitions.at(-1)?.until).toBeNull();
      const { parts, whole } = await walk(options, partitions);
      expect(parts.flat()).toEqual(whole);
      const { min, max } = spread(parts);
      expect(max - min).toBeLessThanOrEqual(1);
      // Boundaries are plain JSON the runtime can store.
      expect(JSON.parse(JSON.stringify(partitions))).toEqual(partitions);
    });

    it('samples a larger table: balanced within 25% of the mean, same plan for the same seed', async () => {
      const options = { query: db.query, table: ids, columns: ['id'], sampleRows: 3000 };
      const before = db.statements.length;
      const partitions = await keysetPartitions({ ...options, count: 8 });
      expect(db.statements.slice(before).some((s) => s.includes('TABLESAMPLE BERNOULLI'))).toBe(
        true,
      );
      expect(partitions).toHaveLength(8);
      const { parts, whole } = await walk(options, partitions);
      expect(parts.flat()).toEqual(whole);
      const { min, max, mean } = spread(parts);
      expect(min).toBeGreaterThanOrEqual(mean * 0.75);
      expect(max).toBeLessThanOrEqual(mean * 1.25);
      expect(await keysetPartitions({ ...options, count: 8 })).toEqual(partitions);
    });

    it('samples pages with SYSTEM and still covers every row once', async () => {
      const options = {
        query: db.query,
        table: ids,
        columns: ['id'],
        sampleRows: 3000,
        sampling: 'system' as const,
      };
      const partitions = await keysetPartitions({ ...options, count: 4 });
      expect(partitions.length).toBeGreaterThan(1);
      const { parts, whole } = await walk(options, partitions);
      expect(parts.flat()).toEqual(whole);
    });

    it('samples the rows a filter keeps, its parameters bound before the sample ones', async () => {
      const options = {
        query: db.query,
        table: ids,
        columns: ['id'],
        where: 'v <> $1',
        values: [0],
        sampleRows: 4000,
      };
      const before = db.statements.length;
      const partitions = await keysetPartitions({ ...options, count: 4 });
      expect(db.statements.slice(before).some((s) => s.includes('TABLESAMPLE'))).toBe(true);
      const { parts, whole } = await walk(options, partitions);
      expect(parts.flat()).toEqual(whole);
      expect(whole.every((row) => row.v !== 0)).toBe(true);
      const { min, max, mean } = spread(parts);
      expect(min).toBeGreaterThanOrEqual(mean * 0.75);
      expect(max).toBeLessThanOrEqual(mean * 1.25);
    });

    it('splits the rows a filter keeps, and walks in descending order', async () => {
      const options = {
        query: db.query,
        table: ids,
        columns: ['id'],
        where: 'v = $1',
        values: [3],
        order: 'desc' as const,
      };
      const partitions = await keysetPartitions({ ...options, count: 5, sampling: 'exact' });
      const { parts, whole } = await walk(options, partitions);
      expect(whole.length).toBeGreaterThan(1000);
      expect(parts.flat()).toEqual(whole);
      expect(Number(whole[0]?.id)).toBeGreaterThan(Number(whole.at(-1)?.id));
      const { min, max } = spread(parts);
      expect(max - min).toBeLessThanOrEqual(1);
    });

    it('bounds keysetBatches and resumes inside a partition, with an exact size', async () => {
      const options = { query: db.query, table: ids, columns: ['id'] };
      const partitions = await keysetPartitions({ ...options, count: 3 });
      const middle = partitions[1] as KeysetPartition;
      const { parts } = await walk(options, partitions);
      const run = await runWithInterruptions(
        (cursor) => keysetBatches({ ...options, batchSize: 333, ...middle, cursor }),
        [1, 0, 2, 1],
        { maxItems: 100_000 },
      );
      expect(run.items.flat()).toEqual(parts[1]);
      const sized = keyset({ ...options, ...middle, count: 'exact' });
      expect(await sized.size?.()).toBe(parts[1]?.length);
      // The table's estimate does not describe a partition: its rows are counted, up to a bound.
      expect(await keyset({ ...options, ...middle }).size?.()).toBe(parts[1]?.length);
    });
  });

  it('balances skewed text keys (90% share a prefix)', async () => {
    const names = table('kp_text');
    await db.exec(`CREATE TABLE public.${names} (name text PRIMARY KEY)`);
    await db.exec(`INSERT INTO public.${names}
      SELECT CASE WHEN i % 10 = 0 THEN chr(98 + i % 20) || i ELSE 'a_' || md5(i::text) END
      FROM generate_series(1, 5000) AS i`);
    const options = { query: db.query, table: names, columns: ['name'] };
    const partitions = await keysetPartitions({ ...options, count: 6 });
    const { parts, whole } = await walk(options, partitions);
    expect(parts.flat()).toEqual(whole);
    expect(whole).toHaveLength(5000);
    const { min, max } = spread(parts);
    expect(max - min).toBeLessThanOrEqual(1);
    expect(typeof partitions[0]?.until?.name).toBe('string');
  });

  it('balances uuid keys, sampled', async () => {
    const uuids = table('kp_uuid');
    await db.exec(`CREATE TABLE public.${uuids} (id uuid PRIMARY KEY, n int4 NOT NULL)`);
    await db.exec(`INSERT INTO public.${uuids}
      SELECT md5(i::text)::uuid, i FROM generate_series(1, 8000) AS i`);
    await db.exec(`ANALYZE public.${uuids}`);
    const options = { query: db.query, table: uuids, columns: ['id'], sampleRows: 4000 };
    const partitions = await keysetPartitions({ ...options, count: 4 });
    expect(partitions).toHaveLength(4);
    const { parts, whole } = await walk(options, partitions);
    expect(parts.flat()).toEqual(whole);
    const { min, max, mean } = spread(parts);
    expect(min).toBeGreaterThanOrEqual(mean * 0.75);
    expect(max).toBeLessThanOrEqual(mean * 1.25);
  });

  it('splits a composite key whose leading column is skewed', async () => {
    const orders = table('kp_orders');
    await db.exec(`CREATE TABLE public.${orders} (
      tenant int4 NOT NULL, id int8 NOT NULL, at timestamptz NOT NULL, PRIMARY KEY (tenant, id))`);
    // Tenant 1 holds 80% of the rows: boundaries must fall inside it, on the second column.
    await db.exec(`INSERT INTO public.${orders}
      SELECT CASE WHEN i % 5 = 0 THEN 2 + i % 4 ELSE 1 END, i,
             timestamptz '2024-01-01 00:00:00+00' + i * interval '1 microsecond'
      FROM generate_series(1, 6000) AS i`);
    const options = { query: db.query, table: orders, columns: ['tenant', 'id'] };
    const partitions = await keysetPartitions({ ...options, count: 5 });
    expect(partitions.slice(0, 3).map((p) => p.until?.tenant)).toEqual([1, 1, 1]);
    const { parts, whole } = await walk(options, partitions);
    expect(parts.flat()).toEqual(whole);
    const { min, max } = spread(parts);
    expect(max - min).toBeLessThanOrEqual(1);
    // Keys a driver rounds (timestamps) are kept as PostgreSQL's exact text in the bounds.
    const byTime = { query: db.query, table: orders, columns: ['at', 'tenant', 'id'] };
    const timed = await keysetPartitions({ ...byTime, count: 3 });
    expect(typeof timed[0]?.until?.at).toBe('string');
    const walked = await walk(byTime, timed);
    expect(walked.parts.flat()).toEqual(walked.whole);
  });

  it('makes fewer partitions than count for tiny tables, one for an empty one', async () => {
    const tiny = table('kp_tiny');
    await db.exec(`CREATE TABLE public.${tiny} (id int4 PRIMARY KEY)`);
    const options = { query: db.query, table: tiny, columns: ['id'] };
    expect(await keysetPartitions({ ...options, count: 4 })).toEqual([
      { after: null, until: null },
    ]);
    await db.exec(`INSERT INTO public.${tiny} VALUES (10), (20), (30)`);
    const partitions = await keysetPartitions({ ...options, count: 10 });
    expect(partitions).toEqual([
      { after: null, until: { id: 10 } },
      { after: { id: 10 }, until: { id: 20 } },
      { after: { id: 20 }, until: null },
    ]);
    const { parts } = await walk(options, partitions);
    expect(parts.map((part) => part.map((row) => row.id))).toEqual([[10], [20], [30]]);
    // Rows added after planning still fall in exactly one partition.
    await db.exec(`INSERT INTO public.${tiny} VALUES (5), (15), (99)`);
    const again = await walk(options, partitions);
    expect(again.parts.map((part) => part.map((row) => row.id))).toEqual([
      [5, 10],
      [15, 20],
      [30, 99],
    ]);
  });

  it('plans over a sql source, ranked exactly', async () => {
    const base = table('kp_sql');
    await db.exec(`CREATE TABLE public.${base} (id int4 PRIMARY KEY)`);
    await db.exec(`INSERT INTO public.${base} SELECT i * i FROM generate_series(1, 300) AS i`);
    const options = {
      query: db.query,
      sql: `SELECT id FROM public.${base} WHERE id % 2 = $1`,
      values: [1],
      columns: ['id'],
      trustOrder: true,
    };
    const partitions = await keysetPartitions({ ...options, count: 4 });
    const { parts, whole } = await walk(options, partitions);
    expect(parts.flat()).toEqual(whole);
    // 150 odd squares: partitions of ⌈i · 150 / 4⌉ - ⌈(i - 1) · 150 / 4⌉ rows.
    expect(parts.map((part) => part.length)).toEqual([38, 37, 38, 37]);
  });

  it('ranks a view whole, as TABLESAMPLE does not apply to it', async () => {
    const base = table('kp_viewed');
    const view = `${base}_v`;
    await db.exec(`CREATE TABLE public.${base} (id int4 PRIMARY KEY)`);
    await db.exec(`INSERT INTO public.${base} SELECT i FROM generate_series(1, 900) AS i`);
    await db.exec(`CREATE VIEW public.${view} AS SELECT id FROM public.${base} WHERE id % 3 = 0`);
    const options = { query: db.query, table: view, columns: ['id'], trustOrder: true };
    const before = db.statements.length;
    const partitions = await keysetPartitions({ ...options, count: 3, sampleRows: 10 });
    expect(db.statements.slice(before).some((s) => s.includes('TABLESAMPLE'))).toBe(false);
    const { parts, whole } = await walk(options, partitions);
    expect(parts.flat()).toEqual(whole);
    expect(parts.map((part) => part.length)).toEqual([100, 100, 100]);
    await db.exec(`DROP VIEW public.${view}`);
  });

  it('refuses bad options and bounds, naming the value and the fix', async () => {
    const bad = table('kp_bad');
    await db.exec(`CREATE TABLE public.${bad} (id int4 PRIMARY KEY, v text)`);
    const options = { query: db.query, table: bad, columns: ['id'] };
    await expect(keysetPartitions({ ...options, count: 0 })).rejects.toThrow(
      /`count` to be a positive integer, got `0`/,
    );
    await expect(
      keysetPartitions({ ...options, count: 2, sampling: 'modulo' as never }),
    ).rejects.toThrow(/`sampling` to be 'bernoulli', 'system' or 'exact'/);
    await expect(keysetPartitions({ ...options, columns: ['v'], count: 2 })).rejects.toThrow(
      EnumeratorError,
    );
    expect(() => keyset({ ...options, after: { other: 1 } as KeysetCursor })).toThrow(
      /`after` to be null or an object with exactly the ordering columns/,
    );
    const read = keyset({ ...options, until: { id: 'ten' } });
    await expect(read[Symbol.asyncIterator]().next()).rejects.toThrow(
      /`until` to hold a value of the type of "id".*Plan the partitions again/,
    );
  });
});
