/**
 * The tables of bullmq-iteration in BullMQ's schema on the PostgreSQL backend, beside BullMQ's own
 * `job` table, each keyed by `(queue, job_id)` with a foreign key that cascades deletes, so what
 * is kept for a job goes away with it, and the statements the store runs on them. Writes insert
 * from the job row, so a write for a job that is gone inserts nothing.
 */
import type { PgPool } from 'bullmq';
import { quoteSchemaName } from 'bullmq';

import { statementName } from '../statement-name.js';

/** Name of the table, in BullMQ's schema, that holds iteration state. */
export const POSTGRES_STATE_TABLE = 'bullmq_iteration_state';
/** Name of the table, in BullMQ's schema, that holds pending control requests. */
export const POSTGRES_CONTROL_TABLE = 'bullmq_iteration_control';
/** Name of the table, in BullMQ's schema, that holds replays' claims on recorded items. */
export const POSTGRES_CLAIMS_TABLE = 'bullmq_iteration_claims';
/** Name of the table, in BullMQ's schema, that holds runs' live settings. */
export const POSTGRES_SETTINGS_TABLE = 'bullmq_iteration_settings';
/** Name of the table, in BullMQ's schema, that holds runs' rate buckets. */
export const POSTGRES_RATE_TABLE = 'bullmq_iteration_rate';
/** Name of the table, in BullMQ's schema, that holds the slots of runs' active partitions. */
export const POSTGRES_SLOTS_TABLE = 'bullmq_iteration_slots';

/** A statement and the name it is prepared under on each connection that runs it. */
export interface Statement {
  readonly name: string;
  readonly text: string;
}

/** Reads and compare-and-swaps of one job's text (a table of `queue, job_id, <text column>`). */
export interface SwapStatements {
  /** The text, as column `value`. */
  readonly load: Statement;
  /** The first text of a job that exists; nothing when one is there already. */
  readonly insert: Statement;
  /** The new text, only while the stored one is the one read, byte for byte. */
  readonly update: Statement;
}

/** The tables holding a job's text that changes by compare-and-swap. */
export type SwappedTable = 'claims' | 'settings';

export interface Statements {
  readonly claims: SwapStatements;
  readonly settings: SwapStatements;
  readonly load: Statement;
  readonly save: Statement;
  readonly loadControl: Statement;
  readonly setControl: Statement;
  readonly clearControl: Statement;
  readonly takeTokens: Statement;
  readonly takeSlot: Statement;
  readonly releaseSlot: Statement;
}

/**
 * Creates the state and control tables in `schema` when missing. Idempotent and safe to race: two
 * workers starting at once may both try, and PostgreSQL then reports a duplicate, which is success.
 */
export async function ensureStateTable(pool: PgPool, schema: string): Promise<Statements> {
  const s = quoteSchemaName(schema);
  const table = `${s}.${POSTGRES_STATE_TABLE}`;
  const control = `${s}.${POSTGRES_CONTROL_TABLE}`;
  const claims = `${s}.${POSTGRES_CLAIMS_TABLE}`;
  const settings = `${s}.${POSTGRES_SETTINGS_TABLE}`;
  const rate = `${s}.${POSTGRES_RATE_TABLE}`;
  const slots = `${s}.${POSTGRES_SLOTS_TABLE}`;
  await createJobTable(pool, s, table, 'state jsonb NOT NULL, updated_at_ms bigint NOT NULL');
  await createJobTable(pool, s, control, 'control jsonb NOT NULL');
  // Text, not jsonb: a claim swaps only when the stored text is the one read, byte for byte.
  await createJobTable(pool, s, claims, 'claims text NOT NULL');
  await createJobTable(pool, s, settings, 'settings text NOT NULL');
  await createJobTable(
    pool,
    s,
    rate,
    'tokens double precision NOT NULL, at_ms bigint NOT NULL, granted integer NOT NULL',
  );
  const slotColumns = 'holder text NOT NULL, taken_ms bigint NOT NULL, expires_ms bigint NOT NULL';
  await createJobTable(pool, s, slots, slotColumns, ', holder');
  // One run's slots change under a lock of that run alone (held to the end of the statement's
  // transaction), so two holders never both take the last slot.
  await createFunction(
    pool,
    `CREATE OR REPLACE FUNCTION ${s}.bullmq_iteration_take_slot(
       q text, r text, h text, target int, ttl bigint) RETURNS int[]
     LANGUAGE plpgsql AS $$
     DECLARE now_ms bigint := (extract(epoch FROM clock_timestamp()) * 1000)::bigint;
             my_rank int; n int;
     BEGIN
       PERFORM pg_advisory_xact_lock(hashtext('bullmq-iteration:slots'), hashtext(q || '/' || r));
       DELETE FROM ${slots} WHERE queue = q AND job_id = r AND expires_ms < now_ms;
       SELECT rank INTO my_rank FROM (
         SELECT holder, row_number() OVER (ORDER BY taken_ms, holder) - 1 AS rank
           FROM ${slots} WHERE queue = q AND job_id = r) ranked WHERE holder = h;
       IF my_rank IS NOT NULL AND my_rank >= target THEN
         DELETE FROM ${slots} WHERE queue = q AND job_id = r AND holder = h;
         SELECT count(*) INTO n FROM ${slots} WHERE queue = q AND job_id = r;
         RETURN ARRAY[0, n];
       END IF;
       IF my_rank IS NULL THEN
         SELECT count(*) INTO n FROM ${slots} WHERE queue = q AND job_id = r;
         IF n >= target THEN RETURN ARRAY[0, n]; END IF;
         INSERT INTO ${slots} (queue, job_id, holder, taken_ms, expires_ms)
           SELECT j.queue, j.id, h, now_ms, now_ms + ttl FROM ${s}.job j
            WHERE j.queue = q AND j.id = r;
       ELSE
         UPDATE ${slots} SET expires_ms = now_ms + ttl
          WHERE queue = q AND job_id = r AND holder = h;
       END IF;
       SELECT count(*) INTO n FROM ${slots} WHERE queue = q AND job_id = r;
       RETURN ARRAY[1, n];
     END $$`,
  );
  // $3 per second, $4 burst, $5 wanted; the server's clock. `available` is the bucket refilled
  // since its last take; what is granted is taken from it in the same row update.
  const available = `LEAST($4::float8, r.tokens + GREATEST(0, EXCLUDED.at_ms - r.at_ms) * $3::float8 / 1000)`;
  return {
    claims: swapStatements(s, claims, 'claims'),
    settings: swapStatements(s, settings, 'settings'),
    ...named({
      takeSlot: `SELECT ${s}.bullmq_iteration_take_slot($1, $2, $3, $4::int, $5::bigint) AS slot`,
      releaseSlot: `DELETE FROM ${slots} WHERE queue = $1 AND job_id = $2 AND holder = $3`,
      takeTokens: `INSERT INTO ${rate} AS r (queue, job_id, tokens, at_ms, granted)
                 SELECT j.queue, j.id, $4::float8 - LEAST($5::int, floor($4::float8)),
                        (extract(epoch FROM clock_timestamp()) * 1000)::bigint,
                        LEAST($5::int, floor($4::float8))
                   FROM ${s}.job j WHERE j.queue = $1 AND j.id = $2
                 ON CONFLICT (queue, job_id) DO UPDATE SET
                   granted = LEAST($5::int, floor(${available})),
                   tokens = ${available} - LEAST($5::int, floor(${available})),
                   at_ms = EXCLUDED.at_ms
                 RETURNING granted, tokens`,
      loadControl: `SELECT control::text AS control FROM ${control} WHERE queue = $1 AND job_id = $2`,
      // From the job row, so a request for a job that is gone inserts nothing.
      setControl: `INSERT INTO ${control} (queue, job_id, control)
                 SELECT j.queue, j.id, $3::jsonb FROM ${s}.job j WHERE j.queue = $1 AND j.id = $2
                 ON CONFLICT (queue, job_id) DO UPDATE SET control = EXCLUDED.control`,
      clearControl: `DELETE FROM ${control} WHERE queue = $1 AND job_id = $2`,
      load: `SELECT state::text AS state FROM ${table} WHERE queue = $1 AND job_id = $2`,
      save: `INSERT INTO ${table} (queue, job_id, state, updated_at_ms)
           SELECT j.queue, j.id, $4::jsonb, $5 FROM ${s}.job j
            WHERE j.queue = $1 AND j.id = $2 AND j.state = 'active' AND j.lock_token = $3
            FOR SHARE
           ON CONFLICT (queue, job_id)
           DO UPDATE SET state = EXCLUDED.state, updated_at_ms = EXCLUDED.updated_at_ms`,
    }),
  };
}

type PlainStatements = Omit<Statements, SwappedTable>;

function named(texts: Record<keyof PlainStatements, string>): PlainStatements {
  const entries = Object.entries(texts).map(([key, text]) => [key, statement(key, text)]);
  return Object.fromEntries(entries) as unknown as PlainStatements;
}

function statement(kind: string, text: string): Statement {
  return { name: statementName(kind, text), text };
}

/**
 * The statements of `table` (qualified), whose column `column` holds text, not jsonb: a swap lands
 * only when the stored text is the one read, byte for byte. Inserts come from the job row of
 * BullMQ's schema `s`, so a job that is gone gets none.
 */
function swapStatements(s: string, table: string, column: SwappedTable): SwapStatements {
  return {
    load: statement(
      `${column}Load`,
      `SELECT ${column} AS value FROM ${table} WHERE queue = $1 AND job_id = $2`,
    ),
    insert: statement(
      `${column}Insert`,
      `INSERT INTO ${table} (queue, job_id, ${column})
       SELECT j.queue, j.id, $3 FROM ${s}.job j WHERE j.queue = $1 AND j.id = $2
       ON CONFLICT (queue, job_id) DO NOTHING`,
    ),
    update: statement(
      `${column}Update`,
      `UPDATE ${table} SET ${column} = $4 WHERE queue = $1 AND job_id = $2 AND ${column} = $3`,
    ),
  };
}

/**
 * Creates `table` (qualified) when missing: rows of one job each, keyed `(queue, job_id)` plus
 * `extraKey`, removed with the job row of BullMQ's schema `s` (quoted) by a cascading foreign key.
 */
export async function createJobTable(
  pool: PgPool,
  s: string,
  table: string,
  columns: string,
  extraKey = '',
): Promise<void> {
  await createTable(
    pool,
    `CREATE TABLE IF NOT EXISTS ${table} (
       queue text NOT NULL,
       job_id text NOT NULL,
       ${columns},
       PRIMARY KEY (queue, job_id${extraKey}),
       FOREIGN KEY (queue, job_id) REFERENCES ${s}.job (queue, id) ON DELETE CASCADE
     )`,
  );
}

/** Runs a `CREATE … IF NOT EXISTS`, taking a concurrent creation's duplicate error for success. */
export async function createTable(pool: PgPool, ddl: string): Promise<void> {
  try {
    await pool.query(ddl);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    // 42P07 duplicate_table, 23505 unique_violation on the catalog: a concurrent creation won.
    if (code !== '42P07' && code !== '23505') throw error;
  }
}

/** Creates or replaces a function; a concurrent creation by another worker is fine. */
async function createFunction(pool: PgPool, ddl: string): Promise<void> {
  try {
    await pool.query(ddl);
  } catch (error) {
    // XX000 "tuple concurrently updated": another worker replaced it at the same moment.
    if ((error as { code?: unknown }).code !== 'XX000') throw error;
  }
}
