import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { KeysetCursor } from '../../../src/enumerators/index.js';
import { keyset, keysetBatches } from '../../../src/enumerators/index.js';
import { assertResumable, runWithInterruptions } from '../../../src/enumerators/testing.js';
import { CursorError, EnumeratorError } from '../../../src/errors.js';
import { readLikeTheLoop, stopSchedules } from '../../unit/enumerators/support.js';
import type { Database } from './databases.js';
import { databases, uniqueTable } from './databases.js';

describe.each(databases)('keyset on $name', (kind) => {
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

  describe('over a table with ties in its leading columns', () => {
    let events: string;

    beforeAll(async () => {
      events = table('ks_events');
      await db.exec(`CREATE TABLE public.${events} (
        id int8 PRIMARY KEY,
        tenant int4 NOT NULL,
        at timestamptz NOT NULL,
        amount numeric(12, 4) NOT NULL,
        label text NOT NULL)`);
      // Ties everywhere, and timestamps a microsecond apart, which a JavaScript Date cannot tell
      // apart: the cursor must keep them exact or rows at page boundaries go missing.
      await db.exec(`INSERT INTO public.${events}
        SELECT i, i % 3, timestamptz '2024-01-01 00:00:00+00' + (i % 7) * interval '1 microsecond',
               (i % 5) / 3.0, chr(65 + i % 4) || 'é'
        FROM generate_series(1, 40) AS i`);
    });

    const orderings = [['id'], ['at', 'id'], ['amount', 'id'], ['label', 'at', 'id']];

    it('resumes anywhere, in any order, page size and filter (property)', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...orderings),
          fc.constantFrom('asc' as const, 'desc' as const),
          fc.integer({ min: 1, max: 9 }),
          fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
          stopSchedules(42),
          async (columns, order, batchSize, tenant, stops) => {
            const filter = tenant === undefined ? {} : { where: 'tenant = $1', values: [tenant] };
            const direction = order === 'asc' ? 'ASC' : 'DESC';
            const expected = await db.exec(
              `SELECT * FROM public.${events}${tenant === undefined ? '' : ' WHERE tenant = $1'}
               ORDER BY ${columns.map((c) => `${c} ${direction}`).join(', ')}`,
              tenant === undefined ? [] : [tenant],
            );
            const run = await runWithInterruptions(
              (cursor) =>
                keyset({
                  query: db.query,
                  table: events,
                  columns,
                  order,
                  batchSize,
                  cursor,
                  ...filter,
                }),
              stops,
            );
            expect(run.items).toEqual(expected.rows);
          },
        ),
        { numRuns: 25 },
      );
    });

    it('keeps exact timestamps and numerics in the cursor, as JSON', async () => {
      const run = await runWithInterruptions(
        (cursor) =>
          keyset({ query: db.query, table: events, columns: ['at', 'amount', 'id'], cursor }),
        [],
      );
      const cursor = run.cursors[1] as KeysetCursor;
      expect(Object.keys(cursor)).toEqual(['at', 'amount', 'id']);
      expect(cursor.at).toMatch(/^2024-01-01T00:00:00(\.000001)?\+00:00$/);
      expect(typeof cursor.amount).toBe('string');
      expect(JSON.parse(JSON.stringify(cursor))).toEqual(cursor);
      // The helper columns that carry exact keys never reach the rows.
      expect(Object.keys(run.items[0] as object).sort()).toEqual(
        ['amount', 'at', 'id', 'label', 'tenant'].sort(),
      );
    });

    it('hands out the rest of a page without a promise turn per row, in the walk order', async () => {
      const build = (cursor: KeysetCursor | null) =>
        keyset({ query: db.query, table: events, columns: ['at', 'id'], batchSize: 7, cursor });
      const walked: (readonly [unknown, unknown])[] = [];
      for await (const pair of build(null)) walked.push(pair);
      const read = await readLikeTheLoop(build(null));
      expect(read.pairs).toEqual(walked);
      // 40 rows in pages of 7: six statements, each row after a page's first from the page in hand.
      expect(read.nextCalls).toBe(7);
      expect(read.buffered).toBe(40 - 6);
      const resumed = await readLikeTheLoop(build(walked[9]![1] as KeysetCursor));
      expect(resumed.pairs).toEqual(walked.slice(10));
      // Batches are whole pages already: nothing is buffered between them.
      const batched = await readLikeTheLoop(
        keysetBatches({ query: db.query, table: events, columns: ['id'], batchSize: 7 }),
      );
      expect(batched.buffered).toBe(0);
      expect(batched.pairs.flatMap(([rows]) => rows as unknown[])).toHaveLength(40);
    });

    it('resumes batches anywhere, whatever their size (property)', async () => {
      const expected = await db.exec(`SELECT * FROM public.${events} ORDER BY at DESC, id DESC`);
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 12 }),
          stopSchedules(8),
          async (batchSize, stops) => {
            const run = await runWithInterruptions(
              (cursor) =>
                keysetBatches({
                  query: db.query,
                  table: events,
                  columns: ['at', 'id'],
                  order: 'desc',
                  batchSize,
                  cursor,
                }),
              stops,
            );
            expect(run.items.flat()).toEqual(expected.rows);
            expect(run.items.every((rows) => rows.length > 0 && rows.length <= batchSize)).toBe(
              true,
            );
          },
        ),
        { numRuns: 15 },
      );
    });

    it('yields batches, one statement each, the cursor being that of the last row', async () => {
      const whole = await assertResumable(
        (cursor) =>
          keysetBatches({ query: db.query, table: events, columns: ['id'], batchSize: 16, cursor }),
        { checkSize: false },
      );
      expect(whole.items.map((rows) => rows.length)).toEqual([16, 16, 8]);
      expect(whole.cursors.map((c) => Number((c as KeysetCursor).id))).toEqual([16, 32, 40]);
      // Progress counts rows: a batch weighs its length, and an exact size() is the row count.
      expect(whole.weights).toEqual([16, 16, 8]);
      await assertResumable(
        (cursor) =>
          keysetBatches({
            query: db.query,
            table: events,
            columns: ['id'],
            batchSize: 16,
            count: 'exact',
            cursor,
          }),
        { stops: [[1], [2], [0, 1]] },
      );
    });

    it('reports an exact size, or the planner estimate, counted from the beginning', async () => {
      await assertResumable((cursor) =>
        keyset({
          query: db.query,
          table: events,
          columns: ['id'],
          where: 'tenant = $1',
          values: [1],
          count: 'exact',
          batchSize: 4,
          cursor,
        }),
      );
      const batched = keysetBatches({
        query: db.query,
        table: events,
        columns: ['id'],
        count: 'exact',
        batchSize: 16,
      });
      // In rows, like the weights of its batches, so processed/total is a share of rows.
      expect(await batched.size?.()).toBe(40);
      // A table just loaded has no statistics until ANALYZE: a bounded count gives the total.
      const fresh = keyset({ query: db.query, table: events, columns: ['id'] });
      expect(await fresh.size?.()).toBe(40);
      await db.exec(`ANALYZE public.${events}`);
      const estimated = keyset({ query: db.query, table: events, columns: ['id'] });
      expect(await estimated.size?.()).toBe(40);
      // A filter the statistics cannot see is counted too, up to the bound.
      const filtered = keyset({ query: db.query, table: events, columns: ['id'], where: 'true' });
      expect(await filtered.size?.()).toBe(40);
      expect(keyset({ query: db.query, table: events, columns: ['id'], count: 'none' }).size).toBe(
        undefined,
      );
    });

    it('reports the planner estimate of an unanalyzed table past the bounded count', async () => {
      const big = table('ks_big');
      await db.exec(`CREATE TABLE public.${big} (id int4 PRIMARY KEY)`);
      await db.exec(`INSERT INTO public.${big} SELECT generate_series(1, 100050)`);
      const size = await keyset({ query: db.query, table: big, columns: ['id'] }).size?.();
      // Not counted to the end: the planner's estimate from the table's size on disk.
      expect(size).toBeGreaterThan(100_000);
      expect(db.statements.at(-1)).toMatch(/^EXPLAIN \(FORMAT JSON\) SELECT 1 FROM/);
    });

    it('runs no statement before the first next()', async () => {
      const before = db.statements.length;
      const enumerator = keyset({ query: db.query, table: events, columns: ['id'] });
      const iterator = enumerator[Symbol.asyncIterator]();
      expect(db.statements.length).toBe(before);
      await iterator.next();
      expect(db.statements.length).toBeGreaterThan(before);
      await iterator.return?.();
    });

    it('binds values instead of splicing them into the SQL', async () => {
      const hostile = `x'); DROP TABLE public.${events}; --`;
      const run = await runWithInterruptions(
        (cursor) =>
          keyset({
            query: db.query,
            table: events,
            columns: ['id'],
            where: 'label = $1',
            values: [hostile],
            cursor,
          }),
        [],
      );
      expect(run.items).toEqual([]);
      expect((await db.exec(`SELECT count(*)::int AS n FROM public.${events}`)).rows[0]?.n).toBe(
        40,
      );
      expect(db.statements.some((text) => text.includes('DROP'))).toBe(false);
    });
  });

  it('does not trust an INVALID unique index left by a failed CREATE UNIQUE INDEX CONCURRENTLY', async () => {
    const name = table('ks_invalid');
    await db.exec(`CREATE TABLE public.${name} (id int8 PRIMARY KEY, code int4 NOT NULL)`);
    // Thirty rows, ten distinct codes: ordering by code alone would skip every tie at a page edge.
    await db.exec(`INSERT INTO public.${name} SELECT i, i % 10 FROM generate_series(1, 30) AS i`);
    await expect(
      db.exec(`CREATE UNIQUE INDEX CONCURRENTLY ${name}_code ON public.${name} (code)`),
    ).rejects.toThrow(/could not create unique index/);
    const { rows } = await db.exec(
      `SELECT i.indisunique, i.indisvalid FROM pg_catalog.pg_index i
        WHERE i.indexrelid = pg_catalog.to_regclass($1)`,
      [`public.${name}_code`],
    );
    expect(rows).toEqual([{ indisunique: true, indisvalid: false }]);
    await expect(
      runWithInterruptions(
        () => keyset({ query: db.query, table: name, columns: ['code'], batchSize: 4 }),
        [],
      ),
    ).rejects.toThrow(
      /keyset: the ordering columns \(code\) of table "ks_invalid_\w+" are not unique/,
    );
  });

  it('reads every key type exactly, ties broken by the unique key', async () => {
    const types: [type: string, values: string][] = [
      [
        'timestamptz',
        `timestamptz '2024-03-10 01:59:59.999999-05' + (i % 4) * interval '1 microsecond'`,
      ],
      ['timestamp', `timestamp '1999-12-31 23:59:59.999998' + (i % 3) * interval '1 microsecond'`],
      ['date', `date '2024-02-28' + i % 3`],
      ['time', `time '23:59:59.999999' - (i % 3) * interval '1 microsecond'`],
      ['numeric', `(i % 4) / 7.0`],
      ['float8', `(ARRAY['NaN', 'Infinity', '-Infinity', '0.1', '1e-300'])[1 + i % 5]::float8`],
      ['int8', `9007199254740993 + i % 3`],
      ['text', `(ARRAY['a', 'B', 'é', 'a b', ''])[1 + i % 5]`],
      ['uuid', `('00000000-0000-0000-0000-00000000000' || (i % 3))::uuid`],
      ['bool', `i % 2 = 0`],
      ['interval', `(i % 3) * interval '1 day 1 microsecond'`],
      ['bytea', `decode(lpad(to_hex(i % 4), 2, '0') || '00ff', 'hex')`],
    ];
    for (const [type, values] of types) {
      const name = table(`ks_type_${type}`);
      await db.exec(`CREATE TABLE public.${name} (k ${type} NOT NULL, id int4 PRIMARY KEY)`);
      await db.exec(
        `INSERT INTO public.${name} SELECT ${values}, i FROM generate_series(1, 9) AS i`,
      );
      const expected = await db.exec(`SELECT * FROM public.${name} ORDER BY k DESC, id DESC`);
      const whole = await assertResumable(
        (cursor) =>
          keyset({
            query: db.query,
            table: name,
            columns: ['k', 'id'],
            order: 'desc',
            batchSize: 2,
            cursor,
          }),
        { stops: [[1], [2, 2, 2], [3, 1, 0, 4]] },
      );
      expect(whole.items, type).toEqual(expected.rows);
    }
  });

  it('shows the documented behaviour for rows inserted while it runs', async () => {
    const name = table('ks_inserts');
    await db.exec(`CREATE TABLE public.${name} (id int4 PRIMARY KEY)`);
    await db.exec(`INSERT INTO public.${name} SELECT i * 10 FROM generate_series(1, 10) AS i`);
    const ids = (rows: readonly { id: number }[]) => rows.map((row) => row.id);
    const build = (cursor: unknown) =>
      keyset<{ id: number }>({
        query: db.query,
        table: name,
        columns: ['id'],
        batchSize: 3,
        cursor,
      });

    const seen: { id: number }[] = [];
    let cursor: unknown = null;
    for await (const [row, after] of build(null)) {
      seen.push(row);
      cursor = after;
      if (row.id === 40) {
        // Now at 40, with the page 40, 50, 60 read. Behind the cursor: never visited. Ahead of the
        // page read: visited. Inside the page already read: not visited by this run.
        await db.exec(`INSERT INTO public.${name} VALUES (5), (35), (55), (95), (105)`);
      }
      if (row.id === 70) break;
    }
    expect(ids(seen)).toEqual([10, 20, 30, 40, 50, 60, 70]);
    const resumed: { id: number }[] = [];
    for await (const [row] of build(cursor)) resumed.push(row);
    expect(ids(resumed)).toEqual([80, 90, 95, 100, 105]);

    // A resume from inside that page reads it again, so the row inserted there is visited.
    const fromForty: { id: number }[] = [];
    for await (const [row] of build({ id: 40 })) fromForty.push(row);
    expect(ids(fromForty).slice(0, 3)).toEqual([50, 55, 60]);
  });

  it('reads a SQL query, with parameters in the query and the filter', async () => {
    const shops = table('ks_shops');
    const products = table('ks_products');
    await db.exec(`CREATE TABLE public.${shops} (id int4 PRIMARY KEY, plan text NOT NULL)`);
    await db.exec(
      `CREATE TABLE public.${products} (id int4 PRIMARY KEY, shop_id int4 NOT NULL, price int4 NOT NULL)`,
    );
    await db.exec(`INSERT INTO public.${shops} VALUES (1, 'pro'), (2, 'free'), (3, 'pro')`);
    await db.exec(
      `INSERT INTO public.${products} SELECT i, 1 + i % 3, i * 3 % 10 FROM generate_series(1, 20) AS i`,
    );
    const sql = `SELECT p.id AS product_id, p.price, s.id AS shop_id
                 FROM public.${products} p JOIN public.${shops} s ON s.id = p.shop_id
                 WHERE s.plan = $1;`;
    const build = (cursor: unknown) =>
      keyset({
        query: db.query,
        sql,
        where: 'price >= $2',
        values: ['pro', 4],
        columns: ['price', 'product_id'],
        trustOrder: true,
        batchSize: 3,
        count: 'exact',
        cursor,
      });
    const whole = await assertResumable(build);
    const expected = await db.exec(
      `SELECT * FROM (${sql.replace(';', '')}) q WHERE price >= $2 ORDER BY price, product_id`,
      ['pro', 4],
    );
    expect(whole.items).toEqual(expected.rows);
    expect(whole.items.length).toBeGreaterThan(3);

    const untrusted = keyset({ query: db.query, sql, values: ['pro'], columns: ['product_id'] });
    await expect(runWithInterruptions(() => untrusted, [])).rejects.toThrow(
      /keyset: cannot check that the ordering columns \(product_id\) of the sql query are unique and never NULL.*`trustOrder: true`/,
    );
  });

  it('quotes identifiers and finds tables in another schema', async () => {
    const schema = uniqueTable('ks_schema');
    await db.exec(`CREATE SCHEMA "${schema}"`);
    try {
      await db.exec(
        `CREATE TABLE "${schema}"."Odd ""Table""" ("Order Id" int4 PRIMARY KEY, "select" text)`,
      );
      await db.exec(
        `INSERT INTO "${schema}"."Odd ""Table""" SELECT i, 'x' FROM generate_series(1, 5) AS i`,
      );
      const whole = await assertResumable((cursor) =>
        keyset({
          query: db.query,
          schema,
          table: 'Odd "Table"',
          columns: ['Order Id'],
          batchSize: 2,
          cursor,
        }),
      );
      expect(whole.items.map((row) => row['Order Id'])).toEqual([1, 2, 3, 4, 5]);
    } finally {
      await db.exec(`DROP SCHEMA "${schema}" CASCADE`);
    }
  });

  it('refuses what would skip or repeat rows, naming the column and the fix', async () => {
    const name = table('ks_bad');
    await db.exec(`CREATE TABLE public.${name} (
      id int4 PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now(), note text,
      code text NOT NULL, CONSTRAINT ${name}_code UNIQUE (code))`);
    await db.exec(
      `INSERT INTO public.${name} (id, note, code) VALUES (1, 'a', 'x'), (2, NULL, 'y')`,
    );
    const fails = (options: Partial<Parameters<typeof keyset>[0]>) =>
      runWithInterruptions(
        () => keyset({ query: db.query, table: name, columns: ['id'], ...options }),
        [],
      );

    await expect(fails({ columns: ['created_at'] })).rejects.toThrow(EnumeratorError);
    await expect(fails({ columns: ['created_at'] })).rejects.toThrow(
      /keyset: the ordering columns \(created_at\) of table "ks_bad_\w+" are not unique: .*e\.g\. columns: \["created_at","id"\]/,
    );
    await expect(fails({ columns: ['created_at', 'code'] })).resolves.toBeDefined();
    await expect(fails({ columns: ['note', 'id'] })).rejects.toThrow(
      /keyset: the ordering column "note" of table "ks_bad_\w+" may be NULL/,
    );
    await expect(fails({ columns: ['Id'] })).rejects.toThrow(
      /keyset: table "ks_bad_\w+" has no column "Id" to order by; did you mean "id"\?/,
    );
    await expect(fails({ table: `${name}_missing` })).rejects.toThrow(
      /keyset: table "ks_bad_\w+_missing" does not exist/,
    );
    await expect(fails({ where: 'nope > $1', values: [1] })).rejects.toThrow(
      /keyset: PostgreSQL refused the statement while reading a page: column "nope" does not exist \(SQLSTATE 42703\)/,
    );
    await expect(fails({ cursor: { id: 'last tuesday' } })).rejects.toThrow(
      /keyset: cannot resume from cursor .*: the value of "id" is "last tuesday", expected an integer/,
    );
    await expect(
      fails({ columns: ['created_at', 'id'], cursor: { created_at: 'soon', id: 1 } }),
    ).rejects.toThrow(CursorError);
    expect(() =>
      keyset({ query: db.query, table: name, columns: ['id'], cursor: { code: 'x' } }),
    ).toThrow(
      /keyset: cannot resume from cursor `\{"code":"x"\}` \(object\): expected null or an object with exactly the ordering columns as keys \("id"\)/,
    );
    expect(() => keyset({ query: db.query, table: name, columns: ['id'], batchSize: 0 })).toThrow(
      /keyset: expected `batchSize` to be a positive integer, got `0` \(number\)/,
    );
    await expect(
      runWithInterruptions(
        () => keysetBatches({ query: db.query, table: name, columns: ['created_at'] }),
        [],
      ),
    ).rejects.toThrow(/^keysetBatches: the ordering columns \(created_at\)/);
    expect(() => keyset({ query: db.query, columns: ['id'] })).toThrow(
      /keyset: expected `table` or `sql` to be exactly one of them/,
    );
  });
});
