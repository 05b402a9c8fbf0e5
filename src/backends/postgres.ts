/**
 * Fenced checkpoint writes on BullMQ's PostgreSQL backend.
 *
 * BullMQ keeps jobs as rows of `<schema>.job` keyed by `(queue, id)`. The iteration state lives in a
 * table of ours beside it, `<schema>.bullmq_iteration_state`, with a foreign key that cascades
 * deletes so the state goes away with the job. A write is an `INSERT … SELECT` from the job row
 * filtered on `state = 'active'` and the writer's `lock_token`, taken `FOR SHARE` so it waits for,
 * and then re-checks against, any concurrent change of the lock.
 *
 * These are BullMQ internals: this file is the only place that touches them, and the package pins
 * BullMQ's major version.
 */
import type { PgPool, PgQueryResult, PostgresQueueBackend } from 'bullmq';
import { quoteSchemaName } from 'bullmq';

import { statementName } from '../statement-name.js';
import type { CheckpointStore, JobRef } from './store.js';

/** Name of the table, in BullMQ's schema, that holds iteration state. */
export const POSTGRES_STATE_TABLE = 'bullmq_iteration_state';
/** Name of the table, in BullMQ's schema, that holds pending control requests. */
export const POSTGRES_CONTROL_TABLE = 'bullmq_iteration_control';
/** Name of the table, in BullMQ's schema, that holds replays' claims on recorded items. */
export const POSTGRES_CLAIMS_TABLE = 'bullmq_iteration_claims';

/** A statement and the name it is prepared under on each connection that runs it. */
interface Statement {
  readonly name: string;
  readonly text: string;
}

interface Statements {
  readonly load: Statement;
  readonly save: Statement;
  readonly loadControl: Statement;
  readonly setControl: Statement;
  readonly clearControl: Statement;
  readonly loadClaims: Statement;
  readonly insertClaims: Statement;
  readonly updateClaims: Statement;
}

const ready = new WeakMap<PgPool, Map<string, Promise<Statements>>>();

/**
 * Pools on which named statements failed: a pooler that hands one client's statements to several
 * server sessions, or several clients one session (PgBouncer in transaction mode before 1.21, the
 * embedded PGlite socket), reports a name as missing (26000) or taken (42P05).
 */
const unnamedOnly = new WeakSet<PgPool>();
const PREPARED_STATEMENT_ERRORS = new Set(['26000', '42P05']);

/**
 * Runs `statement` prepared: the server parses and plans it once per connection rather than once
 * per call, which halves its CPU for a checkpoint write. Where the connection cannot keep a
 * prepared statement, the pool falls back to unnamed statements for good (every statement here is
 * safe to send again: a read, or an upsert fenced by the lock token).
 */
async function run<R extends object>(
  pool: PgPool,
  statement: Statement,
  values: unknown[],
): Promise<PgQueryResult<R>> {
  if (unnamedOnly.has(pool)) return pool.query<R>(statement.text, values);
  try {
    // BullMQ's pool is a pg.Pool, which takes a query config; BullMQ's type names only the text form.
    const prepared = pool as unknown as {
      query<T>(config: {
        name: string;
        text: string;
        values: unknown[];
      }): Promise<PgQueryResult<T>>;
    };
    return await prepared.query<R>({ name: statement.name, text: statement.text, values });
  } catch (error) {
    if (!PREPARED_STATEMENT_ERRORS.has(String((error as { code?: unknown }).code))) throw error;
    unnamedOnly.add(pool);
    return pool.query<R>(statement.text, values);
  }
}

export class PostgresCheckpointStore implements CheckpointStore {
  readonly #backend: PostgresQueueBackend;
  /** Pool and statements once ready: strict mode saves per item, so it skips the awaits. */
  #ready: { pool: PgPool; statements: Statements } | undefined;

  constructor(backend: PostgresQueueBackend) {
    this.#backend = backend;
  }

  async load(job: JobRef): Promise<string | undefined> {
    const { pool, statements } = await this.#prepare();
    const result = await run<{ state: string }>(pool, statements.load, [job.queueName, job.id]);
    return result.rows[0]?.state;
  }

  async save(job: JobRef, token: string, json: string): Promise<boolean> {
    const { pool, statements } = this.#ready ?? (await this.#prepare());
    const result = await run(pool, statements.save, [
      job.queueName,
      job.id,
      token,
      json,
      Date.now(),
    ]);
    return result.rowCount === 1;
  }

  async loadControl(job: JobRef): Promise<string | undefined> {
    const { pool, statements } = await this.#prepare();
    const result = await run<{ control: string }>(pool, statements.loadControl, [
      job.queueName,
      job.id,
    ]);
    return result.rows[0]?.control;
  }

  async setControl(job: JobRef, json: string | null): Promise<void> {
    const { pool, statements } = await this.#prepare();
    if (json === null) await run(pool, statements.clearControl, [job.queueName, job.id]);
    else await run(pool, statements.setControl, [job.queueName, job.id, json]);
  }

  async loadClaims(job: JobRef): Promise<string | undefined> {
    const { pool, statements } = await this.#prepare();
    const result = await run<{ claims: string }>(pool, statements.loadClaims, [
      job.queueName,
      job.id,
    ]);
    return result.rows[0]?.claims;
  }

  async swapClaims(job: JobRef, expected: string | undefined, next: string): Promise<boolean> {
    const { pool, statements } = await this.#prepare();
    const result =
      expected === undefined
        ? await run(pool, statements.insertClaims, [job.queueName, job.id, next])
        : await run(pool, statements.updateClaims, [job.queueName, job.id, expected, next]);
    return result.rowCount === 1;
  }

  async #prepare(): Promise<{ pool: PgPool; statements: Statements }> {
    this.#ready = await preparedOnce(this.#backend, ready, ensureStateTable);
    return this.#ready;
  }
}

/**
 * The pool of `backend` once ready, and what `create` made for its pool and schema: made once per
 * pair and shared by every store on it, made again after a failure.
 */
export async function preparedOnce<T>(
  backend: PostgresQueueBackend,
  cache: WeakMap<PgPool, Map<string, Promise<T>>>,
  create: (pool: PgPool, schema: string) => Promise<T>,
): Promise<{ pool: PgPool; statements: T }> {
  const connection = backend.connection;
  await connection.waitUntilReady();
  const pool = connection.pool;
  let bySchema = cache.get(pool);
  if (bySchema === undefined) {
    bySchema = new Map();
    cache.set(pool, bySchema);
  }
  let statements = bySchema.get(connection.schema);
  if (statements === undefined) {
    statements = create(pool, connection.schema);
    bySchema.set(connection.schema, statements);
    // A failed creation (server down at startup) must not poison later attempts.
    statements.catch(() => bySchema.delete(connection.schema));
  }
  return { pool, statements: await statements };
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
  await createJobTable(pool, s, table, 'state jsonb NOT NULL, updated_at_ms bigint NOT NULL');
  await createJobTable(pool, s, control, 'control jsonb NOT NULL');
  // Text, not jsonb: a claim swaps only when the stored text is the one read, byte for byte.
  await createJobTable(pool, s, claims, 'claims text NOT NULL');
  return named({
    loadClaims: `SELECT claims FROM ${claims} WHERE queue = $1 AND job_id = $2`,
    insertClaims: `INSERT INTO ${claims} (queue, job_id, claims)
                   SELECT j.queue, j.id, $3 FROM ${s}.job j WHERE j.queue = $1 AND j.id = $2
                   ON CONFLICT (queue, job_id) DO NOTHING`,
    updateClaims: `UPDATE ${claims} SET claims = $4
                   WHERE queue = $1 AND job_id = $2 AND claims = $3`,
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
  });
}

function named(texts: Record<keyof Statements, string>): Statements {
  const entries = Object.entries(texts).map(([key, text]) => [
    key,
    { name: statementName(key, text), text },
  ]);
  return Object.fromEntries(entries) as unknown as Statements;
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
async function createTable(pool: PgPool, ddl: string): Promise<void> {
  try {
    await pool.query(ddl);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    // 42P07 duplicate_table, 23505 unique_violation on the catalog: a concurrent creation won.
    if (code !== '42P07' && code !== '23505') throw error;
  }
}
