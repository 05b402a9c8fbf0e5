/**
 * The demo's data and job: a table of accounts, an iteration job that scores them 500 rows per
 * item in keyset order, and the check that every row was processed exactly once.
 */
import type pg from 'pg';

import { defineIterationJob } from '../../define-job.js';
import { keysetBatches } from '../../enumerators/keyset.js';
import { pgQuery } from '../../enumerators/sql/query.js';

export const BATCH = 500;

export async function createAccounts(pool: pg.Pool, rows: number): Promise<void> {
  await pool.query('DROP TABLE IF EXISTS demo_accounts');
  await pool.query(`CREATE TABLE demo_accounts (
    id bigint PRIMARY KEY,
    email text NOT NULL,
    plan text NOT NULL,
    score integer,
    times_processed integer NOT NULL DEFAULT 0
  )`);
  await pool.query(
    `INSERT INTO demo_accounts (id, email, plan)
     SELECT n, 'user' || n || '@example.com', (ARRAY['free','trial','pro'])[1 + n % 3]
       FROM generate_series(1, $1) AS n`,
    [rows],
  );
}

/**
 * The cursor saved after every batch is the id of its last row. `afterBatch` runs after each
 * batch is written, inside the step (the demo's worker holds one batch there until its deploy).
 */
export function scoreAccountsJob(pool: pg.Pool, afterBatch: () => void | Promise<void> = () => {}) {
  return defineIterationJob({
    name: 'score-accounts',
    buildEnumerator: ({ cursor }) =>
      keysetBatches<{ id: string }>({
        query: pgQuery(pool),
        table: 'demo_accounts',
        columns: ['id'],
        batchSize: BATCH,
        count: 'exact',
        cursor,
      }),
    async eachIteration(accounts) {
      // \`accounts\` is one batch; progress counts its rows (a batch weighs its length).
      await pool.query(
        `UPDATE demo_accounts
            SET score = length(email) * 7 % 100, times_processed = times_processed + 1
          WHERE id = ANY($1::bigint[])`,
        [accounts.map((a) => a.id)],
      );
      await afterBatch();
    },
  });
}

export interface AccountsCheck {
  readonly once: number;
  readonly more: number;
  readonly missed: number;
}

export async function checkAccounts(pool: pg.Pool): Promise<AccountsCheck> {
  const { rows } = await pool.query<{ once: string; other: string; missed: string }>(
    `SELECT count(*) FILTER (WHERE times_processed = 1) AS once,
            count(*) FILTER (WHERE times_processed > 1) AS other,
            count(*) FILTER (WHERE times_processed = 0) AS missed
       FROM demo_accounts`,
  );
  const row = rows[0]!;
  return { once: Number(row.once), more: Number(row.other), missed: Number(row.missed) };
}
