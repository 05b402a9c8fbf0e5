/**
 * The checkpoint table in the data database: one row per job, holding the cursor committed with
 * the job's effects and the epoch that fences out every run but the newest. Created on first use
 * (or by `migrate()`) under a transaction-scoped advisory lock, so workers starting together do
 * not race on `CREATE ... IF NOT EXISTS` (which is not safe under concurrency by itself).
 */
import { quoteIdentifier } from '../enumerators/sql/identifier.js';
import type { Transactional } from './adapter.js';

/** Key of the advisory lock taken while the table is created: any constant shared by all workers. */
const MIGRATION_LOCK = 'bullmq-iteration:transactional';

/** SQLSTATE the fence raises when another run owns the job (see fence.ts). */
export const FENCED_OUT = 'BQ001';

export function ddl(table: string, schema: string): readonly string[] {
  return [
    `CREATE SCHEMA IF NOT EXISTS ${schema}`,
    // Raised by the cursor write of a run that no longer owns its job: an error, not an empty
    // result, so the COMMIT sent right behind it (pipelined) rolls back instead.
    `CREATE OR REPLACE FUNCTION ${schema}.fenced_out(job text) RETURNS boolean
      LANGUAGE plpgsql VOLATILE AS $$
      BEGIN
        RAISE EXCEPTION 'bullmq-iteration: another run claimed job % in the data database', job
          USING ERRCODE = '${FENCED_OUT}';
      END $$`,
    `CREATE TABLE IF NOT EXISTS ${table} (
      queue text NOT NULL,
      job_id text NOT NULL,
      epoch bigint NOT NULL,
      cursor jsonb,
      processed bigint NOT NULL DEFAULT 0,
      extras jsonb,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (queue, job_id)
    )`,
    // Tables made by earlier versions: where a job's steps are and what it skipped, committed with
    // its cursor (see `DurableExtras`).
    `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS extras jsonb`,
  ];
}

/** Creates the schema and table if missing, in one transaction under the advisory lock. */
export async function migrate(adapter: Transactional<unknown>): Promise<void> {
  const { table, schema } = adapter.options;
  const session = await adapter.begin();
  try {
    await session.query('SELECT pg_advisory_xact_lock(hashtext($1))', [MIGRATION_LOCK]);
    for (const statement of ddl(table, quoteIdentifier(schema))) await session.query(statement, []);
    await session.commit();
  } catch (error) {
    await session.rollback();
    throw error;
  }
}

/**
 * Makes sure the table exists, once per adapter: a cheap catalog look first, so a role without
 * CREATE rights works against a table migrated by someone else.
 */
export function ensureTable(adapter: Transactional<unknown>): Promise<void> {
  let ready = ensured.get(adapter);
  if (ready === undefined) {
    ready = (async () => {
      const { rows } = await adapter.query(
        `SELECT to_regclass($1) IS NOT NULL AND to_regprocedure($2) IS NOT NULL
           AND EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass($1)
                         AND attname = 'extras' AND NOT attisdropped) AS present`,
        [adapter.options.table, `${quoteIdentifier(adapter.options.schema)}.fenced_out(text)`],
      );
      if (rows[0]?.present === true) return;
      if (!adapter.options.createTable) throw missingTable(adapter.options.table);
      await migrate(adapter);
    })();
    // A failure (the database is down) must not stick: the next run tries again.
    ready.catch(() => ensured.delete(adapter));
    ensured.set(adapter, ready);
  }
  return ready;
}

const ensured = new WeakMap<object, Promise<void>>();

function missingTable(table: string): Error {
  return new Error(
    `The checkpoint table ${table} of bullmq-iteration's transactional mode does not exist (or ` +
      'lacks the `extras` column this version adds) and `createTable` is false. Run `await transactional.migrate()` once (it is idempotent), or ' +
      'let the adapter create it with `createTable: true`.',
  );
}
