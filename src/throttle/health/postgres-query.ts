/**
 * How the PostgreSQL health checks reach the server: the same query function as the SQL
 * enumerators (`pgQuery(pool)`, `pgliteQuery(db)` or any driver wrapped the same way), and the
 * shared probe that reads one row and degrades on servers without the statistics views.
 */
import type { QueryFunction } from '../../enumerators/sql/query.js';
import { describeThrown } from '../logger.js';
import { aFunction, conditionName } from '../validate.js';
import { createHealthCheck } from './cached-check.js';
import type { HealthCheck, HealthCheckTiming, ProbeOutcome } from './health-check.js';

/**
 * SQLSTATEs of a server that lacks a view, function or setting the checks read (a PostgreSQL-like
 * server, or a very old version): undefined_function, undefined_table, undefined_column,
 * feature_not_supported, undefined_object.
 */
const UNSUPPORTED = new Set(['42883', '42P01', '42703', '0A000', '42704']);

/** Options every PostgreSQL health check takes. */
export interface PostgresCheckOptions extends HealthCheckTiming {
  /**
   * Runs the statistics query: `pgQuery(pool)`. Use a small pool of its own or the application's;
   * a probe holds one connection for one short query per interval. Set the pool's `query_timeout`
   * to bound a query the check abandoned at its `timeoutMs` (an abandoned query is not cancelled).
   */
  readonly query: QueryFunction;
  /** Shown in `throttled` events and logs. @defaultValue the builder's own, such as 'postgres-writable' */
  readonly name?: string;
}

/** How one PostgreSQL check reads its row and judges it. */
export interface PostgresCheckSpec<Reading> {
  readonly builder: string;
  readonly defaultName: string;
  readonly sql: string;
  readonly read: (row: Record<string, unknown>) => Reading;
  readonly decide: (reading: Reading) => ProbeOutcome;
}

/**
 * A health check that reads one row with `spec.sql` and judges it with `spec.decide`. When the
 * server lacks what the query reads, the check can never say anything useful: it reports healthy
 * with that detail and warns once, rather than throttling every job forever on a server it does
 * not fit.
 */
export function postgresHealthCheck<Reading>(
  spec: PostgresCheckSpec<Reading>,
  options: PostgresCheckOptions,
): HealthCheck {
  const name = conditionName(options.name ?? spec.defaultName, {
    where: `${spec.builder} option name`,
  });
  const query = aFunction<QueryFunction>(options.query, '(text, values) => Promise<{ rows }>', {
    where: `${spec.builder} option query (wrap a pg Pool with pgQuery(pool))`,
  });
  let warned = false;
  const probe = async (): Promise<ProbeOutcome> => {
    let rows: readonly Record<string, unknown>[];
    try {
      ({ rows } = await query(spec.sql, []));
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      if (typeof code !== 'string' || !UNSUPPORTED.has(code)) throw error;
      const detail = `not supported by this server (${describeThrown(error)}): not checked`;
      if (!warned)
        options.logger?.warn({ healthCheck: name, err: error }, `health check ${detail}`);
      warned = true;
      return { healthy: true, detail };
    }
    const row = rows[0];
    if (row === undefined) throw new Error('the statistics query returned no row');
    return spec.decide(spec.read(row));
  };
  return createHealthCheck(name, probe, options, spec.builder);
}

/** A number from a column (drivers return `numeric` and `bigint` as strings), or `null`. */
export function numberColumn(row: Record<string, unknown>, column: string): number | null {
  const value = row[column];
  if (value === null || value === undefined) return null;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n)) throw new Error(`column ${column} is not a number: ${String(value)}`);
  return n;
}

/** A boolean from a `bool` column, or from a setting's `on`/`off` text. */
export function booleanColumn(row: Record<string, unknown>, column: string): boolean {
  const value = row[column];
  if (typeof value === 'boolean') return value;
  if (value === 'on' || value === 't' || value === 'true') return true;
  if (value === 'off' || value === 'f' || value === 'false') return false;
  throw new Error(`column ${column} is not a boolean: ${String(value)}`);
}
