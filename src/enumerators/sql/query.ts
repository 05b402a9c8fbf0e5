/**
 * The one thing SQL enumerators need from a database driver: run a statement with bound parameters
 * and return its rows. Keeping it to a function lets any driver plug in with a line of code; the
 * adapters below cover `pg` and PGlite.
 */

/** Column metadata of a result, as `pg` and PGlite report it. */
export interface QueryField {
  readonly name: string;
  /** PostgreSQL type OID of the column. */
  readonly dataTypeID: number;
}

export interface QueryResult {
  readonly rows: Record<string, unknown>[];
  /** Needed only for `keyset` over a `sql` source, to learn its column names and types. */
  readonly fields?: readonly QueryField[];
}

/**
 * Runs `text` with `values` bound to `$1`, `$2`, … and resolves to its rows. Never interpolate
 * `values` into `text`: the enumerators pass every user-given value through here.
 *
 * @example
 * ```ts
 * // postgres.js
 * const query: QueryFunction = async (text, values) => ({ rows: await sql.unsafe(text, [...values]) });
 * ```
 */
export type QueryFunction = (text: string, values: readonly unknown[]) => Promise<QueryResult>;

/** The part of a `pg` `Pool`, `PoolClient` or `Client` the adapter uses. */
export interface PgQueryable {
  query(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: Record<string, unknown>[]; fields: QueryField[] }>;
}

/** The part of a PGlite instance the adapter uses. */
export interface PgliteQueryable {
  query<T>(
    text: string,
    values?: unknown[],
    options?: { serializers?: Record<number, (value: unknown) => string> },
  ): Promise<{ rows: T[]; fields: { name: string; dataTypeID: number }[] }>;
}

// PGlite serializes each parameter by the type PostgreSQL infers for it, and its bytea serializer
// takes only bytes. Keyset cursors hold bytea keys as PostgreSQL's own text (`\x00ff`), which the
// server reads back as it would from `pg`.
const PGLITE_SERIALIZERS = {
  17: (value: unknown) =>
    value instanceof Uint8Array ? `\\x${Buffer.from(value).toString('hex')}` : String(value),
};

/**
 * A query function over a `pg` `Pool`, `PoolClient` or `Client`. With a pool, each page is one
 * `pool.query` (a connection is held only while a page is read).
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * // An idle client closed by a database restart emits 'error'; unheard, it ends the process.
 * pool.on('error', (error) => console.warn(`idle database client lost: ${error.message}`));
 * const query = pgQuery(pool);
 * keyset({ query, table: 'users', columns: ['id'], cursor });
 * ```
 */
export function pgQuery(client: PgQueryable): QueryFunction {
  guardIdleErrors(client);
  return (text, values) => client.query(text, [...values]);
}

/**
 * A `pg.Pool` emits `error` when the server closes one of its idle connections (a restart, a
 * failover, `pg_terminate_backend`), and an EventEmitter with no `error` listener throws it, which
 * kills the worker process. The pool has already discarded that connection and opens a new one on
 * the next query, so for a pool the enumerator reads from, the event is news, not a failure: when
 * nobody listens, it is reported once per pool on stderr and otherwise dropped. An application that
 * listens itself keeps full control.
 */
function guardIdleErrors(client: PgQueryable): void {
  const emitter = client as Partial<{
    on(event: 'error', listener: (error: Error) => void): unknown;
    listenerCount(event: 'error'): number;
  }>;
  if (typeof emitter.on !== 'function' || typeof emitter.listenerCount !== 'function') return;
  if (emitter.listenerCount('error') > 0 || guarded.has(client)) return;
  guarded.add(client);
  let reported = false;
  emitter.on('error', (error) => {
    if (reported) return;
    reported = true;
    process.emitWarning(
      `bullmq-iteration: an idle connection of a pg pool given to pgQuery failed (${error.message}); ` +
        'the pool replaces it. Add pool.on("error", …) to log such events yourself.',
      { code: 'BULLMQ_ITERATION_PG_IDLE_ERROR' },
    );
  });
}

const guarded = new WeakSet<object>();

/**
 * A query function over an in-process PGlite database.
 *
 * @example
 * ```ts
 * import { PGlite } from '@electric-sql/pglite';
 * const query = pgliteQuery(await PGlite.create('./data'));
 * keyset({ query, table: 'users', columns: ['id'], cursor });
 * ```
 */
export function pgliteQuery(db: PgliteQueryable): QueryFunction {
  return (text, values) =>
    db.query<Record<string, unknown>>(text, [...values], { serializers: PGLITE_SERIALIZERS });
}
