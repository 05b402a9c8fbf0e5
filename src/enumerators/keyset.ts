/**
 * `keyset` and `keysetBatches`: the rows of a PostgreSQL table or query, in the order of one or
 * more columns ending in a unique key, read a page at a time with keyset pagination
 * (`WHERE (a, b) > ($1, $2) ORDER BY a, b LIMIT n`). Unlike OFFSET, every page costs the same,
 * and the cursor (the keys of the last row done) stays valid while rows come and go.
 */
import type { IterationEnumerator } from '../enumerator.js';
import { CursorError } from '../errors.js';
import type { SizeFunction } from './enumerable.js';
import { enumerable } from './enumerable.js';
import { isIdentifier } from './sql/identifier.js';
import { keysetPages } from './sql/keyset-pages.js';
import type { KeysetCursor, KeysetPlan, KeysetSpec } from './sql/keyset-plan.js';
import { planKeyset } from './sql/keyset-plan.js';
import type { QueryFunction } from './sql/query.js';
import {
  cursorError,
  isObject,
  optionError,
  optionsObject,
  positiveInteger,
  shown,
} from './validate.js';

export type { KeysetCursor } from './sql/keyset-plan.js';

export interface KeysetOptions {
  /** Runs the statements: `pgQuery(pool)`, `pgliteQuery(db)` or your own `QueryFunction`. */
  readonly query: QueryFunction;
  /** The table (or view) to read, exactly as PostgreSQL names it. Give `table` or `sql`. */
  readonly table?: string;
  /** Schema of `table`; by default the table is looked up on the search_path. */
  readonly schema?: string;
  /**
   * A SELECT whose rows to read instead of a table, e.g. a join. It is wrapped as a subquery, so
   * the ordering columns must be among its output columns; `$1`… refer to `values`. The catalog
   * cannot vouch for the uniqueness of a query's columns: pass `trustOrder: true`.
   */
  readonly sql?: string;
  /**
   * Ordering columns, most significant first; the last (or the set) must be unique and none may be
   * NULL: `['id']`, or `['created_at', 'id']` to walk by creation time.
   */
  readonly columns: readonly string[];
  /** `'desc'` walks from the greatest key down; all columns share the direction. @defaultValue 'asc' */
  readonly order?: 'asc' | 'desc';
  /** A SQL condition that rows must meet, `$1`… referring to `values`: `'tenant_id = $1'`. */
  readonly where?: string;
  /** Parameters of `where` and `sql`, bound, never spliced into the SQL. @defaultValue [] */
  readonly values?: readonly unknown[];
  /** Rows per statement (and per batch for `keysetBatches`). @defaultValue 100 */
  readonly batchSize?: number;
  /**
   * Skips the catalog check that the ordering columns end in a primary key or unique index and
   * are NOT NULL. Needed for `sql` sources and views; you then vouch for it. @defaultValue false
   */
  readonly trustOrder?: boolean;
  /**
   * What `size()` reports: `'estimate'` the planner's row estimate of a table without `where`
   * (free, may be off by a few percent, `undefined` before the first ANALYZE), `'exact'` a
   * `count(*)` when `size()` is called (a full scan of what matches), `'none'` no size.
   * @defaultValue 'estimate'
   */
  readonly count?: 'estimate' | 'exact' | 'none';
  /** The cursor the runtime passed: `null` (or omitted) to start from the first row. */
  readonly cursor?: unknown;
}

/**
 * Enumerates rows one by one, the cursor being the ordering columns' values of the row done:
 * `{ created_at: '2024-05-01T09:30:00.123456+00:00', id: '42' }`. Timestamps, numerics and other
 * types a driver may round are stored as PostgreSQL's exact text (ISO 8601 for times); integers,
 * text and uuids as the driver returns them (int8 is a string with `pg`).
 *
 * On the first `next()` it checks the source in the catalog: the columns must exist, be NOT NULL
 * and end in a primary key or unique index (else an EnumeratorError says how to fix it).
 *
 * Rows inserted while the job runs are never visited when their key lies behind the cursor, and
 * are visited when it lies beyond the last row read (the end of the page in hand, at most
 * `batchSize` rows ahead); in between, only a resume, which reads that page again, visits them. A
 * row whose key changes may be visited twice or not at all. Each page is its own statement, so
 * pages do not share one snapshot.
 *
 * @example
 * ```ts
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * defineIterationJob({
 *   name: 'backfill',
 *   buildEnumerator: ({ params, cursor }) =>
 *     keyset<User>({
 *       query: pgQuery(pool),
 *       table: 'users',
 *       columns: ['created_at', 'id'],
 *       where: 'tenant_id = $1 AND deleted_at IS NULL',
 *       values: [params.tenantId],
 *       batchSize: 500,
 *       cursor,
 *     }),
 *   async eachIteration(user) { await backfill(user); },
 * });
 * ```
 */
export function keyset<Row extends object = Record<string, unknown>>(
  options: KeysetOptions,
): IterationEnumerator<Row, KeysetCursor> {
  return buildKeyset<Row>(options, 'keyset');
}

/**
 * Enumerates rows in arrays of up to `batchSize`, one statement per batch; the cursor is that of
 * the batch's last row. Otherwise the same as `keyset`.
 *
 * @example
 * ```ts
 * buildEnumerator: ({ cursor }) =>
 *   keysetBatches<{ id: string; email: string }>({
 *     query: pgQuery(pool), table: 'users', columns: ['id'], batchSize: 1000, cursor,
 *   }),
 * async eachIteration(users) { await mailer.bulkSubscribe(users.map((u) => u.email)); },
 * ```
 */
export function keysetBatches<Row extends object = Record<string, unknown>>(
  options: KeysetOptions,
): IterationEnumerator<Row[], KeysetCursor> {
  return buildKeyset<Row[]>(options, 'keysetBatches');
}

function buildKeyset<Item>(
  options: KeysetOptions,
  source: 'keyset' | 'keysetBatches',
): IterationEnumerator<Item, KeysetCursor> {
  const spec = resolveKeysetOptions(options, source);
  const start = keysetStart(options.cursor, spec.columns, source);
  // One plan per enumerator, made on first use by next() or size(), never by building it.
  let planned: Promise<KeysetPlan> | undefined;
  const plan = () =>
    (planned ??= planKeyset(spec).catch((error: unknown) => {
      // A lost connection while planning must not stick: the next call plans again.
      planned = undefined;
      throw error;
    }));
  const mode = options.count ?? 'estimate';
  const size: SizeFunction | undefined =
    mode === 'none'
      ? undefined
      : async () => {
          const ready = await plan();
          const rows =
            mode === 'exact'
              ? Number((await spec.query(ready.count, spec.values)).rows[0]?.n)
              : ready.estimate;
          if (rows === undefined) return undefined;
          return source === 'keyset' ? rows : Math.ceil(rows / spec.batchSize);
        };

  const batched = source === 'keysetBatches';
  return enumerable(() => keysetPages<Item>(spec, plan, start, batched), size);
}

function resolveKeysetOptions(options: KeysetOptions, source: string): KeysetSpec {
  optionsObject(
    source,
    options,
    `${source}({ query: pgQuery(pool), table: 'users', columns: ['id'], cursor })`,
  );
  const { query, table, schema, sql, columns, order, where, trustOrder } = options;
  if (typeof query !== 'function') {
    throw optionError(source, 'query', query, 'a query function such as pgQuery(pool)');
  }
  if ((table === undefined) === (sql === undefined)) {
    throw optionError(
      source,
      'table` or `sql',
      { table, sql },
      'exactly one of them: a table name, or a SELECT statement',
    );
  }
  if (table !== undefined && !isIdentifier(table)) {
    throw optionError(source, 'table', table, 'a table name such as "users"');
  }
  if (schema !== undefined && (!isIdentifier(schema) || table === undefined)) {
    throw optionError(source, 'schema', schema, 'a schema name, given with `table`');
  }
  if (sql !== undefined && (typeof sql !== 'string' || sql.trim() === '')) {
    throw optionError(source, 'sql', sql, 'a SELECT statement');
  }
  if (
    !Array.isArray(columns) ||
    columns.length === 0 ||
    !columns.every(isIdentifier) ||
    new Set(columns).size !== columns.length
  ) {
    throw optionError(
      source,
      'columns',
      columns,
      "a non-empty array of distinct column names ending in a unique one, e.g. ['created_at', 'id']",
    );
  }
  if (order !== undefined && order !== 'asc' && order !== 'desc') {
    throw optionError(source, 'order', order, "'asc' or 'desc'");
  }
  if (where !== undefined && (typeof where !== 'string' || where.trim() === '')) {
    throw optionError(source, 'where', where, "a SQL condition such as 'tenant_id = $1'");
  }
  const values = options.values ?? [];
  if (!Array.isArray(values)) {
    throw optionError(source, 'values', values, 'an array of the parameters of `where` and `sql`');
  }
  if (trustOrder !== undefined && typeof trustOrder !== 'boolean') {
    throw optionError(source, 'trustOrder', trustOrder, 'a boolean');
  }
  const count = options.count;
  if (count !== undefined && count !== 'estimate' && count !== 'exact' && count !== 'none') {
    throw optionError(source, 'count', count, "'estimate', 'exact' or 'none'");
  }
  return {
    source,
    query,
    table,
    schema,
    // A statement copied from a console often ends in a semicolon, which a subquery cannot have.
    sql: sql?.trim().replace(/;+$/, ''),
    columns,
    descending: order === 'desc',
    where,
    values,
    batchSize: positiveInteger(source, 'batchSize', options.batchSize ?? 100),
    trustOrder: trustOrder === true,
  };
}

function keysetStart(
  cursor: unknown,
  columns: readonly string[],
  source: string,
): KeysetCursor | null {
  if (cursor === null || cursor === undefined) return null;
  const keys = isObject(cursor) ? Object.keys(cursor) : [];
  if (
    !isObject(cursor) ||
    keys.length !== columns.length ||
    !columns.every((column) => Object.hasOwn(cursor, column))
  ) {
    throw cursorError(
      source,
      cursor,
      `null or an object with exactly the ordering columns as keys (${columns
        .map((c) => `"${c}"`)
        .join(', ')}) and their values`,
    );
  }
  for (const column of columns) {
    const value = cursor[column];
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new CursorError(
        `${source}: cannot resume from cursor ${shown(cursor)}: the value of "${column}" must be a ` +
          `string, number or boolean, got ${shown(value)}.`,
        { cursor },
      );
    }
  }
  return cursor as KeysetCursor;
}
