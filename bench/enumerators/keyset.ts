// Keyset enumerator vs the bare loop a developer would write by hand, on the same table.
import pg from 'pg';

import { keyset, pgQuery } from '../../src/enumerators/index.js';
import type { Result, RuntimeRunner } from './measure.js';
import { addThroughRuntime, compare, drain, Sink } from './measure.js';

export interface KeysetBenchmarkOptions {
  readonly postgresUrl: string;
  /** @defaultValue 1_000_000 */
  readonly rows?: number;
  /** Rows per statement, for both loops. @defaultValue 1_000 */
  readonly batchSize?: number;
  /** @defaultValue 5 */
  readonly rounds?: number;
  /** Also measure the enumerator inside an iteration job. */
  readonly runtime?: RuntimeRunner;
}

/**
 * Fills an unlogged table with `rows` rows, then reads it whole with a bare
 * `SELECT * … WHERE id > $1 ORDER BY id LIMIT n` loop and with `keyset` under a for-await loop.
 */
export async function benchmarkKeyset(options: KeysetBenchmarkOptions): Promise<Result[]> {
  const rows = options.rows ?? 1_000_000;
  const batchSize = options.batchSize ?? 1_000;
  const pool = new pg.Pool({ connectionString: options.postgresUrl, max: 2 });
  // An idle client closed by the server must not end the benchmark process.
  pool.on('error', (error) => console.warn(`idle database client lost: ${error.message}`));
  const table = `bench_keyset_${process.pid}_${Date.now().toString(36)}`;
  try {
    await pool.query(
      `CREATE UNLOGGED TABLE ${table} (
         id int8 PRIMARY KEY, email text NOT NULL, created_at timestamptz NOT NULL, amount numeric(12, 2))`,
    );
    await pool.query(
      `INSERT INTO ${table}
       SELECT i, 'user' || i || '@example.com', now() - i * interval '1 second', (i % 10000) / 100.0
       FROM generate_series(1, $1::int8) AS i`,
      [rows],
    );
    await pool.query(`VACUUM ANALYZE ${table}`);

    const bare = async () => {
      const sink = new Sink();
      let last: unknown = 0;
      let count = 0;
      for (;;) {
        const page = await pool.query<{ id: string }>(
          `SELECT * FROM ${table} WHERE id > $1 ORDER BY id LIMIT $2`,
          [last, batchSize],
        );
        for (const row of page.rows) sink.take(row);
        count += page.rows.length;
        if (page.rows.length < batchSize) return count;
        last = page.rows[page.rows.length - 1]?.id;
      }
    };
    const enumerated = () =>
      drain(keyset({ query: pgQuery(pool), table, columns: ['id'], batchSize }));
    const results = await compare(
      { bare: 'keyset: bare SELECT … LIMIT loop', subject: 'keyset: enumerator (for await)' },
      options.rounds ?? 5,
      bare,
      enumerated,
    );
    return await addThroughRuntime(
      results,
      'keyset',
      options.rounds ?? 5,
      bare,
      options.runtime,
      (cursor) => keyset({ query: pgQuery(pool), table, columns: ['id'], batchSize, cursor }),
    );
  } finally {
    await pool.query(`DROP TABLE IF EXISTS ${table}`);
    await pool.end();
  }
}
