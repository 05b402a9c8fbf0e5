/**
 * The options of `keyset` and `keysetBatches`, checked once when the enumerator is built, and the
 * cursor it resumes from, checked for shape (its values are checked against the column types
 * once the catalog has been read).
 */
import { CursorError } from '../../errors.js';
import {
  cursorError,
  isObject,
  optionError,
  optionsObject,
  positiveInteger,
  shown,
} from '../validate.js';
import { isIdentifier } from './identifier.js';
import type { KeysetCursor, KeysetSpec } from './keyset-plan.js';
import type { QueryFunction } from './query.js';

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
   * (free, may be off by a few percent); without statistics (a table never analyzed, a `where`,
   * bounds or `sql`) a count that stops at 100,000 rows, past which EXPLAIN's estimate; `'exact'` a
   * `count(*)` when `size()` is called (a full scan of what matches), `'none'` no size.
   * @defaultValue 'estimate'
   */
  readonly count?: 'estimate' | 'exact' | 'none';
  /**
   * Lower bound, excluded: the ordering columns' values of the row just before the first one to
   * read, in the walk's order (a partition's start, as `keysetPartitions` plans it). `null` (or
   * omitted) reads from the first row. A cursor, once saved, takes over from it.
   */
  readonly after?: KeysetCursor | null | undefined;
  /**
   * Upper bound, included: the ordering columns' values of the last row to read, in the walk's
   * order (a partition's end). `null` (or omitted) reads to the last row.
   */
  readonly until?: KeysetCursor | null | undefined;
  /** The cursor the runtime passed: `null` (or omitted) to start from the first row. */
  readonly cursor?: unknown;
}

export function resolveKeysetOptions(options: KeysetOptions, source: string): KeysetSpec {
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
    after: keysetBound(options.after, columns, source, 'after'),
    until: keysetBound(options.until, columns, source, 'until'),
  };
}

/** A partition bound: like a cursor in shape, but a bad one is a mistake in the options. */
function keysetBound(
  bound: unknown,
  columns: readonly string[],
  source: string,
  name: string,
): KeysetCursor | null {
  if (bound === null || bound === undefined) return null;
  const keys = isObject(bound) ? Object.keys(bound) : [];
  if (
    !isObject(bound) ||
    keys.length !== columns.length ||
    !columns.every((column) => Object.hasOwn(bound, column)) ||
    !Object.values(bound).every(isKeyValue)
  ) {
    throw optionError(
      source,
      name,
      bound,
      `null or an object with exactly the ordering columns as keys (${columns
        .map((c) => `"${c}"`)
        .join(
          ', ',
        )}) and their values (strings, numbers or booleans), as keysetPartitions plans it`,
    );
  }
  return bound as KeysetCursor;
}

function isKeyValue(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

export function keysetStart(
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
