// splitKeyset on real PostgreSQL and PGlite: splits of running keyset partitions, at random
// points of their walks, never make a row visited twice or missed.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { KeysetCursor } from '../../../src/enumerators/index.js';
import { keyset } from '../../../src/enumerators/index.js';
import type { KeysetPartition } from '../../../src/partitions/index.js';
import { keysetPartitions, splitKeyset } from '../../../src/partitions/index.js';
import type { Database } from '../enumerators/databases.js';
import { databases, uniqueTable } from '../enumerators/databases.js';

type Row = Record<string, unknown>;

describe.each(databases)('splitKeyset on $name', (kind) => {
  let db: Database;
  let items: string;
  let everyRow: unknown[];

  beforeAll(async () => {
    db = await kind.open();
    items = uniqueTable('sk_items');
    await db.exec(`CREATE TABLE public.${items} (
      tenant int4 NOT NULL, id int8 NOT NULL, PRIMARY KEY (tenant, id))`);
    // Skewed: tenant 1 holds most rows, ids sparse.
    await db.exec(`INSERT INTO public.${items}
      SELECT CASE WHEN i % 6 = 0 THEN 2 + i % 3 ELSE 1 END, i * 7 + (i % 5) * 1000000
      FROM generate_series(1, 400) AS i`);
    everyRow = (
      await db.exec(`SELECT tenant, id FROM public.${items} ORDER BY tenant, id`)
    ).rows.map(key);
  });

  afterAll(async () => {
    await db.exec(`DROP TABLE IF EXISTS public."${items}" CASCADE`);
    await db.close();
  });

  const source = () => ({ query: db.query, table: items, columns: ['tenant', 'id'] });
  const key = (row: Row) => `${String(row.tenant)}/${String(row.id)}`;

  /** Reads up to `limit` rows of a partition from `cursor`; returns them and the new cursor. */
  async function advance(partition: KeysetPartition, cursor: KeysetCursor | null, limit: number) {
    const rows: Row[] = [];
    let after = cursor;
    if (limit > 0) {
      for await (const [row, next] of keyset<Row>({
        ...source(),
        batchSize: 7,
        ...partition,
        cursor,
      })) {
        rows.push(row);
        after = next;
        if (rows.length >= limit) break;
      }
    }
    return { rows, cursor: after };
  }

  it('splits what is left after the cursor in halves, keeping the rows in flight', async () => {
    const whole: KeysetPartition = { after: null, until: null };
    const { rows: done, cursor } = await advance(whole, null, 100);
    const halves = await splitKeyset({ ...source(), partition: whole, cursor });
    expect(halves).toBeDefined();
    const [shrunk, added] = halves!;
    expect(shrunk.after).toBeNull();
    expect(added.until).toBeNull();
    expect(shrunk.until).toEqual(added.after);
    const rest = await advance(shrunk, cursor, Infinity);
    const tail = await advance(added, null, Infinity);
    expect(rest.rows.length).toBe(150);
    expect(tail.rows.length).toBe(150);
    expect([...done, ...rest.rows, ...tail.rows].map(key)).toEqual(everyRow);
    // With a batch of 200 in flight, the split key lies past it.
    const wide = await splitKeyset({ ...source(), partition: whole, cursor, ahead: 200 });
    expect((await advance(wide![0], cursor, Infinity)).rows.length).toBe(200);
  });

  it('returns undefined when too little is left', async () => {
    const whole: KeysetPartition = { after: null, until: null };
    const { cursor } = await advance(whole, null, 399);
    expect(await splitKeyset({ ...source(), partition: whole, cursor })).toBeUndefined();
    const near = await advance(whole, null, 390);
    expect(
      await splitKeyset({ ...source(), partition: whole, cursor: near.cursor, minRows: 6 }),
    ).toBeUndefined();
    expect(
      await splitKeyset({ ...source(), partition: whole, cursor: near.cursor, minRows: 5 }),
    ).toBeDefined();
  });

  it('keeps every row once through random walks and splits (property)', async () => {
    const steps = fc.array(
      fc.record({ split: fc.boolean(), pick: fc.nat(), rows: fc.nat({ max: 60 }) }),
      { maxLength: 10 },
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 5 }), steps, async (count, plan) => {
        const running = (await keysetPartitions({ ...source(), count })).map((partition) => ({
          partition,
          cursor: null as KeysetCursor | null,
        }));
        const seen: Row[] = [];
        for (const step of plan) {
          const part = running[step.pick % running.length]!;
          if (step.split) {
            const halves = await splitKeyset({ ...source(), ...part });
            if (halves === undefined) continue;
            part.partition = halves[0];
            running.push({ partition: halves[1], cursor: null });
          } else {
            const walked = await advance(part.partition, part.cursor, step.rows);
            seen.push(...walked.rows);
            part.cursor = walked.cursor;
          }
        }
        for (const part of running) {
          seen.push(...(await advance(part.partition, part.cursor, Infinity)).rows);
        }
        expect(seen.map(key).sort()).toEqual([...everyRow].sort());
        expect(new Set(seen.map(key)).size).toBe(everyRow.length);
      }),
      { numRuns: 20 },
    );
  });
});
