/**
 * The statements of a `keyset` enumerator, built once from its checked options and the shape of
 * its source: a first page, a page after a key (a row-value comparison, which PostgreSQL serves
 * from a composite index in one range scan), and a count. User-given names are quoted, user-given
 * values are bound parameters; `where` and `sql` are SQL the developer wrote, placed on lines of
 * their own so a trailing `--` comment cannot swallow what follows.
 */
import { EnumeratorError } from '../../errors.js';
import type { SourceColumn, SourceShape } from './catalog.js';
import { describeQuery, describeRelation } from './catalog.js';
import { quoteIdentifier } from './identifier.js';
import type { KeyValue } from './keys.js';
import { checkKey, exactKey, isExactType, textExpression } from './keys.js';
import type { QueryFunction } from './query.js';

/** Cursor of `keyset`: the ordering columns' values of the last row done, by column name. */
export type KeysetCursor = { readonly [column: string]: KeyValue };

export interface KeysetSpec {
  /** The builder, for messages: `keyset` or `keysetBatches`. */
  readonly source: string;
  readonly query: QueryFunction;
  readonly table: string | undefined;
  readonly schema: string | undefined;
  readonly sql: string | undefined;
  readonly columns: readonly string[];
  readonly descending: boolean;
  readonly where: string | undefined;
  readonly values: readonly unknown[];
  readonly batchSize: number;
  readonly trustOrder: boolean;
  /** Partition bounds in walk order: rows after `after`, up to and including `until`. */
  readonly after: KeysetCursor | null;
  readonly until: KeysetCursor | null;
}

export interface KeysetPlan {
  readonly firstPage: string;
  readonly nextPage: string;
  readonly count: string;
  /** Parameters of `count`. */
  readonly countValues: readonly unknown[];
  /** `count` stopped after as many rows as its last parameter says (after `countValues`). */
  readonly countUpTo: string;
  /** The planner's row estimate of what `count` counts: EXPLAIN's JSON, `countValues` bound. */
  readonly explainCount: string;
  readonly estimate: number | undefined;
  /** The statistics' row count of the table, filter and bounds aside; for planners. */
  readonly tableRows: number | undefined;
  /** Whether the source can be read with `TABLESAMPLE` (a table, not a view or query). */
  readonly sampleable: boolean;
  /** The FROM text (table or wrapped sql), the filter and the ordering, for planners. */
  readonly from: string;
  readonly conditions: readonly string[];
  readonly orderBy: string;
  /** The select list of the key columns and their exact-text helpers, for planners. */
  readonly keySelect: string;
  /**
   * Parameters of a page: the user's values, the `until` bound's keys, the key after which to
   * read, then the limit.
   */
  pageValues(after: KeysetCursor | null): unknown[];
  /** The cursor after `row`; removes the helper columns the statements added to it. */
  cursorOf(row: Record<string, unknown>): KeysetCursor;
  /** Checks a saved cursor against the column types. */
  checkCursor(cursor: KeysetCursor): void;
}

const SQL_SOURCE = quoteIdentifier('keyset_source');

export async function planKeyset(spec: KeysetSpec): Promise<KeysetPlan> {
  const from =
    spec.sql === undefined
      ? (spec.schema === undefined ? '' : `${quoteIdentifier(spec.schema)}.`) +
        quoteIdentifier(spec.table as string)
      : `(\n${spec.sql}\n) AS ${SQL_SOURCE}`;
  const filter = spec.where === undefined ? '' : `(\n${spec.where}\n)`;
  const shape =
    spec.sql === undefined
      ? await describeRelation(spec.query, from, spec.source)
      : await describeQuery(
          spec.query,
          `SELECT * FROM ${from}${filter === '' ? '' : ` WHERE ${filter}`} LIMIT 0`,
          spec.values,
          spec.source,
        );
  const keyColumns = spec.columns.map((name) => findColumn(shape, name, spec.source));
  if (!spec.trustOrder) checkOrder(shape, spec.columns, keyColumns, spec.source);

  // Helper columns for the keys a driver may not hand over exactly, named so they cannot clash.
  const helpers = keyColumns.map((column, index) =>
    isExactType(column.type) ? undefined : uniqueName(shape, `keyset:${index}`),
  );
  const select =
    'SELECT *' +
    keyColumns
      .map((column, index) => {
        const helper = helpers[index];
        return helper === undefined
          ? ''
          : `, ${textExpression(column.name, column.type)} AS ${quoteIdentifier(helper)}`;
      })
      .join('') +
    ` FROM ${from}`;
  const keys = spec.columns.map(quoteIdentifier);
  const direction = spec.descending ? 'DESC' : 'ASC';
  const orderBy = ` ORDER BY ${keys.map((key) => `${key} ${direction}`).join(', ')}`;
  const names = spec.columns;
  // Parameters: the user's values, the upper bound's keys, the lower bound's (or cursor's) keys,
  // then the limit.
  const params = (first: number) => keys.map((_, index) => `$${first + index}`);
  const userCount = spec.values.length;
  const untilCount = spec.until === null ? 0 : keys.length;
  const row = `(${keys.join(', ')})`;
  const conditions = [
    ...(filter === '' ? [] : [filter]),
    ...(spec.until === null
      ? []
      : [`${row} ${spec.descending ? '>=' : '<='} (${params(userCount + 1).join(', ')})`]),
  ];
  const after = `${row} ${spec.descending ? '<' : '>'} (${params(userCount + untilCount + 1).join(', ')})`;
  const where = (all: readonly string[]) => (all.length === 0 ? '' : ` WHERE ${all.join(' AND ')}`);
  const keysOf = (bound: KeysetCursor | null) =>
    bound === null ? [] : names.map((name) => bound[name]);
  const bounded = [...spec.values, ...keysOf(spec.until)];
  const limit = (afterKeys: number) => ` LIMIT $${userCount + untilCount + afterKeys + 1}`;
  for (const [name, bound] of [
    ['after', spec.after],
    ['until', spec.until],
  ] as const) {
    if (bound !== null) checkBound(bound, name, keyColumns, spec.source);
  }

  const counted = where(spec.after === null ? conditions : [...conditions, after]);
  const countValues = [...bounded, ...keysOf(spec.after)];
  return {
    firstPage: `${select}${where(conditions)}${orderBy}${limit(0)}`,
    nextPage: `${select}${where([...conditions, after])}${orderBy}${limit(keys.length)}`,
    count: `SELECT count(*)::float8 AS n FROM ${from}${counted}`,
    countValues,
    countUpTo: `SELECT count(*)::float8 AS n FROM (SELECT 1 FROM ${from}${counted} LIMIT $${countValues.length + 1}) bounded`,
    explainCount: `EXPLAIN (FORMAT JSON) SELECT 1 FROM ${from}${counted}`,
    estimate:
      spec.where === undefined && spec.after === null && spec.until === null
        ? shape.estimate
        : undefined,
    tableRows: shape.estimate,
    sampleable: shape.sampleable,
    from,
    conditions,
    orderBy,
    keySelect: [
      ...keys,
      ...keyColumns.flatMap((column, index) => {
        const helper = helpers[index];
        return helper === undefined
          ? []
          : [`${textExpression(column.name, column.type)} AS ${quoteIdentifier(helper)}`];
      }),
    ].join(', '),
    pageValues: (cursor) =>
      cursor === null
        ? [...bounded, spec.batchSize]
        : [...bounded, ...keysOf(cursor), spec.batchSize],
    cursorOf: cursorMaker(names, helpers, spec.source),
    checkCursor(cursor) {
      keyColumns.forEach((column) =>
        checkKey(cursor[column.name], column.name, column.type, cursor, spec.source),
      );
    },
  };
}

/**
 * The function that makes a row's cursor, specialized once per plan: it runs for every row, and
 * the common single-column key of an exact type should cost no more than reading one property.
 */
function cursorMaker(
  names: readonly string[],
  helpers: readonly (string | undefined)[],
  source: string,
): (row: Record<string, unknown>) => KeysetCursor {
  const readers = names.map((name, index): ((row: Record<string, unknown>) => KeyValue) => {
    const helper = helpers[index];
    if (helper === undefined) return (row) => exactKey(row[name], name, source);
    return (row) => {
      const value = row[helper] as string;
      delete row[helper];
      return value;
    };
  });
  if (names.length === 1) {
    const [name, read] = [names[0] as string, readers[0] as (typeof readers)[number]];
    return (row) => ({ [name]: read(row) });
  }
  return (row) => {
    const cursor: Record<string, KeyValue> = {};
    for (let index = 0; index < names.length; index++) {
      cursor[names[index] as string] = (readers[index] as (typeof readers)[number])(row);
    }
    return cursor;
  };
}

/** A bound that does not fit the column types is a mistake in the options, not a stale cursor. */
function checkBound(
  bound: KeysetCursor,
  name: string,
  columns: readonly SourceColumn[],
  source: string,
): void {
  for (const column of columns) {
    try {
      checkKey(bound[column.name], column.name, column.type, bound, source);
    } catch {
      throw new EnumeratorError(
        `${source}: expected \`${name}\` to hold a value of the type of "${column.name}" ` +
          `(type oid ${column.type}), got ${JSON.stringify(bound[column.name])} in ` +
          `${JSON.stringify(bound)}. Plan the partitions again with keysetPartitions over the ` +
          `same columns.`,
        { source },
      );
    }
  }
}

function findColumn(shape: SourceShape, name: string, source: string): SourceColumn {
  const column = shape.columns.get(name);
  if (column !== undefined) return column;
  const names = [...shape.columns.keys()];
  const sameLetters = names.find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  throw new EnumeratorError(
    `${source}: ${shape.label} has no column "${name}" to order by` +
      (sameLetters === undefined
        ? `; its columns are ${names.map((n) => `"${n}"`).join(', ') || '(none)'}.`
        : `; did you mean "${sameLetters}"? Column names are case-sensitive.`) +
      ` Expected \`columns\` to name columns of the source, the last of them unique (e.g. "id").`,
    { source },
  );
}

/**
 * Rows with equal keys, or a NULL key, break keyset pagination: equal keys at a page boundary are
 * skipped, and `(NULL, …) > (…)` is never true, so such rows are missed after the first page.
 */
function checkOrder(
  shape: SourceShape,
  names: readonly string[],
  columns: SourceColumn[],
  source: string,
) {
  if (shape.uniqueKeys === undefined) {
    throw new EnumeratorError(
      `${source}: cannot check that the ordering columns (${names.join(', ')}) of ${shape.label} ` +
        `are unique and never NULL: the catalog does not describe ${shape.label}. Make sure ` +
        `the last column is unique and none is NULL, then pass \`trustOrder: true\`.`,
      { source },
    );
  }
  const nullable = columns.find((column) => column.notNull !== true);
  if (nullable !== undefined) {
    throw new EnumeratorError(
      `${source}: the ordering column "${nullable.name}" of ${shape.label} may be NULL; rows where ` +
        `it is NULL would be skipped after the first page. Expected NOT NULL columns: declare ` +
        `it NOT NULL, or order by other columns. If \`where\` excludes its NULLs, pass ` +
        `\`trustOrder: true\`.`,
      { source },
    );
  }
  const ordering = new Set(names);
  if (!shape.uniqueKeys.some((key) => key.every((name) => ordering.has(name)))) {
    const primary = shape.uniqueKeys[0];
    const suggestion =
      primary === undefined
        ? `Add a primary key or a unique index to ${shape.label} and end \`columns\` with it.`
        : `End \`columns\` with a unique key, e.g. columns: ${JSON.stringify([
            ...names.filter((name) => !primary.includes(name)),
            ...primary,
          ])}.`;
    throw new EnumeratorError(
      `${source}: the ordering columns (${names.join(', ')}) of ${shape.label} are not unique: no ` +
        `primary key or unique index is made of them, so rows with equal values could be ` +
        `skipped or repeated between pages. ${suggestion} If they are unique without an index ` +
        `to say so, pass \`trustOrder: true\`.`,
      { source },
    );
  }
}

function uniqueName(shape: SourceShape, base: string): string {
  let name = base;
  while (shape.columns.has(name)) name = `${name}_`;
  return name;
}
