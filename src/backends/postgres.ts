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

import type { Statement, Statements, SwappedTable } from './postgres-tables.js';
import { ensureStateTable } from './postgres-tables.js';
import type { CheckpointStore, JobRef } from './store.js';

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

  loadClaims(job: JobRef): Promise<string | undefined> {
    return this.#loadText(job, 'claims');
  }

  swapClaims(job: JobRef, expected: string | undefined, next: string): Promise<boolean> {
    return this.#swapText(job, 'claims', expected, next);
  }

  loadSettings(job: JobRef): Promise<string | undefined> {
    return this.#loadText(job, 'settings');
  }

  swapSettings(job: JobRef, expected: string | undefined, next: string): Promise<boolean> {
    return this.#swapText(job, 'settings', expected, next);
  }

  async #loadText(job: JobRef, table: SwappedTable): Promise<string | undefined> {
    const { pool, statements } = await this.#prepare();
    const result = await run<{ value: string }>(pool, statements[table].load, [
      job.queueName,
      job.id,
    ]);
    return result.rows[0]?.value;
  }

  /** Sets the job's text in `table` to `next` if it still is `expected` (none: `undefined`). */
  async #swapText(
    job: JobRef,
    table: SwappedTable,
    expected: string | undefined,
    next: string,
  ): Promise<boolean> {
    const { pool, statements } = await this.#prepare();
    const { insert, update } = statements[table];
    const result =
      expected === undefined
        ? await run(pool, insert, [job.queueName, job.id, next])
        : await run(pool, update, [job.queueName, job.id, expected, next]);
    return result.rowCount === 1;
  }

  async takeTokens(job: JobRef, wanted: number, perSecond: number, burst: number) {
    const { pool, statements } = this.#ready ?? (await this.#prepare());
    const result = await run<{ granted: number; tokens: number }>(pool, statements.takeTokens, [
      job.queueName,
      job.id,
      perSecond,
      burst,
      wanted,
    ]);
    const row = result.rows[0];
    // No row: the job is gone, and so is the limit.
    if (row === undefined) return { granted: wanted, waitMs: 0 };
    const granted = Number(row.granted);
    const waitMs = granted > 0 ? 0 : Math.ceil(((1 - Number(row.tokens)) * 1000) / perSecond);
    return { granted, waitMs };
  }

  async takeSlot(job: JobRef, holder: string, target: number, ttlMs: number) {
    const { pool, statements } = await this.#prepare();
    const result = await run<{ slot: number[] }>(pool, statements.takeSlot, [
      job.queueName,
      job.id,
      holder,
      target,
      Math.round(ttlMs),
    ]);
    const [held, holders] = result.rows[0]?.slot ?? [0, 0];
    return { held: Number(held) === 1, holders: Number(holders) };
  }

  async releaseSlot(job: JobRef, holder: string): Promise<void> {
    const { pool, statements } = await this.#prepare();
    await run(pool, statements.releaseSlot, [job.queueName, job.id, holder]);
  }

  async #prepare(): Promise<{ pool: PgPool; statements: Statements }> {
    this.#ready = await preparedOnce(this.#backend, ready, ensureStateTable);
    return this.#ready;
  }
}

export {
  createJobTable,
  createTable,
  ensureStateTable,
  POSTGRES_CLAIMS_TABLE,
  POSTGRES_CONTROL_TABLE,
  POSTGRES_STATE_TABLE,
} from './postgres-tables.js';

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
