/**
 * What `keyset` learns about its source before the first page: the columns with their types and
 * nullability, and the unique keys, read from PostgreSQL's catalog for a table or view, or from an
 * empty result for a SQL query. Every name is bound as a parameter, never spliced into the text.
 */
import { EnumeratorError } from '../../errors.js';
import type { QueryFunction } from './query.js';
import { checked } from './statement.js';

export interface SourceColumn {
  readonly name: string;
  /** PostgreSQL type OID. */
  readonly type: number;
  /** `undefined` when the source is a query, whose columns the catalog does not describe. */
  readonly notNull: boolean | undefined;
}

export interface SourceShape {
  /** How messages name the source: `table "public"."users"` or `the sql query`. */
  readonly label: string;
  readonly columns: ReadonlyMap<string, SourceColumn>;
  /**
   * Column sets of the primary key and the unique indexes without predicate or expression,
   * primary key first; `undefined` when the source is a query or a view.
   */
  readonly uniqueKeys: readonly (readonly string[])[] | undefined;
  /** Row count estimate from the statistics, `undefined` when never analyzed or not a table. */
  readonly estimate: number | undefined;
  /** Whether `TABLESAMPLE` applies: a table, partitioned table or materialized view. */
  readonly sampleable: boolean;
}

const RELATION_SQL = `
SELECT c.relkind::text AS kind, c.reltuples::float8 AS estimate,
       a.attname::text AS name, a.atttypid::text AS type, a.attnotnull AS not_null
FROM pg_catalog.pg_class c
LEFT JOIN pg_catalog.pg_attribute a
  ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.oid = pg_catalog.to_regclass($1)
ORDER BY a.attnum`;

// Only key columns count (`indnkeyatts`): INCLUDE columns do not take part in uniqueness. Only
// valid, ready indexes count: a failed `CREATE UNIQUE INDEX CONCURRENTLY` (it fails precisely
// because duplicates exist) leaves an INVALID index whose `indisunique` is still true.
const UNIQUE_KEYS_SQL = `
SELECT (SELECT pg_catalog.json_agg(a.attname ORDER BY k.ord)
        FROM pg_catalog.unnest(i.indkey[0:i.indnkeyatts - 1]) WITH ORDINALITY AS k(attnum, ord)
        JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
       ) AS columns
FROM pg_catalog.pg_index i
WHERE i.indrelid = pg_catalog.to_regclass($1)
  AND i.indisunique AND i.indisvalid AND i.indisready
  AND i.indpred IS NULL AND i.indexprs IS NULL
ORDER BY i.indisprimary DESC, i.indexrelid`;

/** Reads the shape of the relation `qualifiedName` (quoted, schema-qualified or not). */
export async function describeRelation(
  query: QueryFunction,
  qualifiedName: string,
  source: string,
): Promise<SourceShape> {
  const label = `table ${qualifiedName}`;
  const { rows } = await checked(query, RELATION_SQL, [qualifiedName], `reading ${label}`, source);
  if (rows.length === 0) {
    throw new EnumeratorError(
      `${source}: ${label} does not exist (or is not visible on the search_path). Expected an ` +
        `existing table or view; names are case-sensitive, as PostgreSQL stores them ` +
        `(CREATE TABLE Users creates "users"); pass \`schema\` for a table outside the search_path.`,
      { source },
    );
  }
  const kind = String(rows[0]?.kind);
  const columns = new Map<string, SourceColumn>();
  for (const row of rows) {
    if (row.name === null) continue;
    const name = String(row.name);
    columns.set(name, { name, type: Number(row.type), notNull: row.not_null === true });
  }
  const isTable = kind === 'r' || kind === 'p' || kind === 'm' || kind === 'f';
  const uniqueKeys = isTable
    ? (await checked(query, UNIQUE_KEYS_SQL, [qualifiedName], `reading ${label}`, source)).rows.map(
        (row) => parseJsonArray(row.columns),
      )
    : undefined;
  const estimate = Number(rows[0]?.estimate);
  return {
    label: kind === 'v' ? `view ${qualifiedName}` : label,
    columns,
    uniqueKeys,
    sampleable: kind === 'r' || kind === 'p' || kind === 'm',
    estimate:
      (kind === 'r' || kind === 'p' || kind === 'm') && estimate >= 0
        ? Math.round(estimate)
        : undefined,
  };
}

/** Reads the column names and types of a query from an empty result of `probeSql`. */
export async function describeQuery(
  query: QueryFunction,
  probeSql: string,
  values: readonly unknown[],
  source: string,
): Promise<SourceShape> {
  const result = await checked(query, probeSql, values, 'running the sql query', source);
  if (result.fields === undefined) {
    throw new EnumeratorError(
      `${source}: the query function returned no \`fields\`; a \`sql\` source needs the ` +
        `column names and types of the result (pg and PGlite report them as \`fields\`).`,
      { source },
    );
  }
  const columns = new Map<string, SourceColumn>();
  for (const field of result.fields) {
    columns.set(field.name, { name: field.name, type: field.dataTypeID, notNull: undefined });
  }
  return {
    label: 'the sql query',
    columns,
    uniqueKeys: undefined,
    estimate: undefined,
    sampleable: false,
  };
}

function parseJsonArray(value: unknown): string[] {
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  return Array.isArray(parsed) ? parsed.map(String) : [];
}
