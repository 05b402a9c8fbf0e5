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
 * const query = pgQuery(new pg.Pool({ connectionString: process.env.DATABASE_URL }));
 * keyset({ query, table: 'users', columns: ['id'], cursor });
 * ```
 */
export function pgQuery(client: PgQueryable): QueryFunction {
  return (text, values) => client.query(text, [...values]);
}

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
