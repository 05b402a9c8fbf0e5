/**
 * Share of PostgreSQL's `max_connections` in use by client sessions (`pg_stat_activity`), so batch
 * jobs back off before the application runs out of connections.
 */
import { formatShare } from '../duration.js';
import { share } from '../validate.js';
import type { HealthCheck, HealthVerdict } from './health-check.js';
import type { PostgresCheckOptions } from './postgres-query.js';
import { numberColumn, postgresHealthCheck } from './postgres-query.js';

/** What the connections query reads. */
export interface ConnectionsReading {
  /** Client sessions in `pg_stat_activity` (background processes excluded). */
  readonly used: number;
  /** The `max_connections` setting. */
  readonly max: number;
}

/** Options of {@link postgresConnections}. */
export interface PostgresConnectionsOptions extends PostgresCheckOptions {
  /**
   * Unhealthy above this share of `max_connections`. The last `superuser_reserved_connections`
   * (3 by default) are out of reach for ordinary roles, so keep a margin.
   * @defaultValue 0.8
   */
  readonly maxShare?: number;
}

const SQL = `
SELECT (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::int AS used,
  current_setting('max_connections')::int AS max`;

/**
 * Throttles while the server's connections are nearly used up. On PGlite, which serves every
 * client through one session, the count reads 0.
 *
 * @example
 * ```ts
 * const connections = postgresConnections({ query: pgQuery(pool), maxShare: 0.7 });
 * ```
 */
export function postgresConnections(options: PostgresConnectionsOptions): HealthCheck {
  const maxShare = share(options.maxShare ?? 0.8, {
    where: 'postgresConnections() option maxShare',
  });
  return postgresHealthCheck(
    {
      builder: 'postgresConnections()',
      defaultName: 'postgres-connections',
      sql: SQL,
      read: (row): ConnectionsReading => ({
        used: numberColumn(row, 'used') ?? 0,
        max: numberColumn(row, 'max') ?? 0,
      }),
      decide: (reading) => decideConnections(reading, { maxShare }),
    },
    options,
  );
}

/**
 * The verdict on a connections reading.
 *
 * @example
 * ```ts
 * decideConnections({ used: 85, max: 100 }, { maxShare: 0.8 });
 * // { healthy: false, detail: '85 of 100 connections in use (85 %, limit 80 %)' }
 * ```
 */
export function decideConnections(
  reading: ConnectionsReading,
  limits: { readonly maxShare: number },
): HealthVerdict {
  if (reading.max <= 0) return { healthy: true, detail: 'max_connections unknown: not checked' };
  const inUse = reading.used / reading.max;
  return {
    healthy: inUse <= limits.maxShare,
    detail:
      `${reading.used} of ${reading.max} connections in use ` +
      `(${formatShare(inUse)}, limit ${formatShare(limits.maxShare)})`,
  };
}
