// The data database of transactional tests: a pg pool on the PostgreSQL server (the queue's own
// database on the PostgreSQL backend) and an effects table of its own per test, with no unique
// constraint, so a duplicate effect shows as a second row. Not PGlite's socket server: it
// interleaves the extended-protocol messages of concurrent connections (one shared session), so
// the in-process PGlite adapter is tested on its own instead (pglite.test.ts).
import pg from 'pg';

import { track } from './lifecycle.js';
import { uniqueQueueName } from './names.js';
import { postgresUrl } from './servers.js';

export interface DataDb {
  readonly pool: pg.Pool;
  /** Quoted, schema-qualified name of this test's effects table `(item int, worker text)`. */
  readonly effects: string;
  /** A schema of this test's own for the checkpoint table. */
  readonly schema: string;
  /** How many rows each item has in the effects table. */
  counts(): Promise<Map<number, number>>;
}

/** The data database: the test PostgreSQL server. */
export async function dataDb(max = 4): Promise<DataDb> {
  const pool = new pg.Pool({ connectionString: postgresUrl(), max });
  pool.on('error', () => {});
  track(pool, { name: 'data pool' });
  const schema = uniqueQueueName('tx').replaceAll('-', '_');
  const effects = `public."effects_${schema}"`;
  await pool.query(`CREATE TABLE ${effects} (item int NOT NULL, worker text)`);
  return {
    pool,
    effects,
    schema,
    async counts() {
      const { rows } = await pool.query<{ item: number; n: string }>(
        `SELECT item, count(*) AS n FROM ${effects} GROUP BY item`,
      );
      return new Map(rows.map((r) => [r.item, Number(r.n)]));
    },
  };
}

/** Items with more than one row, and items in 0..total-1 with none. */
export function duplicatesAndMissing(counts: Map<number, number>, total: number) {
  let duplicates = 0;
  const missing: number[] = [];
  for (let i = 0; i < total; i++) {
    const n = counts.get(i) ?? 0;
    if (n === 0) missing.push(i);
    else duplicates += n - 1;
  }
  return { duplicates, missing };
}
