/**
 * PostgreSQL replication lag, from the standard statistics: on a replica the age of the last
 * replayed transaction (0 when all WAL received is replayed, so an idle primary does not look
 * like lag), on a primary the largest `replay_lag` in `pg_stat_replication`.
 */
import { formatDuration } from '../duration.js';
import { nonNegativeMs } from '../validate.js';
import type { HealthCheck, HealthVerdict } from './health-check.js';
import type { PostgresCheckOptions } from './postgres-query.js';
import { booleanColumn, numberColumn, postgresHealthCheck } from './postgres-query.js';

/** What the replication-lag query reads. */
export interface ReplicationLagReading {
  /** `pg_is_in_recovery()`: the server is a replica. */
  readonly inRecovery: boolean;
  /** On a replica: `now() - pg_last_xact_replay_timestamp()`, 0 when caught up, `null` if unknown. */
  readonly replicaLagMs: number | null;
  /** On a primary: the largest `replay_lag` of its replicas; `null` when they are caught up. */
  readonly primaryLagMs: number | null;
  /** Rows of `pg_stat_replication` (replicas streaming from this server). */
  readonly replicas: number;
}

/** Options of {@link postgresReplicationLag}. */
export interface PostgresReplicationLagOptions extends PostgresCheckOptions {
  /** Unhealthy above this lag. @defaultValue 10_000 */
  readonly maxLagMs?: number;
}

const SQL = `
SELECT pg_is_in_recovery() AS in_recovery,
  (CASE
    WHEN NOT pg_is_in_recovery() THEN NULL
    WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
    ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) * 1000
  END)::float8 AS replica_lag_ms,
  (SELECT extract(epoch FROM max(replay_lag)) * 1000 FROM pg_stat_replication)::float8 AS primary_lag_ms,
  (SELECT count(*) FROM pg_stat_replication)::int AS replicas`;

/**
 * Throttles while replication lags: point it at a replica the jobs read from, or at the primary to
 * protect all its replicas. On a primary, `pg_stat_replication` shows `replay_lag` only to
 * superusers and members of `pg_monitor`/`pg_read_all_stats`: grant one to the probing role, or
 * hidden lags read as caught up. On PGlite there are no replicas and the lag reads 0.
 *
 * @example
 * ```ts
 * const replicaLag = postgresReplicationLag({ query: pgQuery(replicaPool), maxLagMs: 5_000 });
 * defineIterationJob({ name: 'backfill', throttle: replicaLag, ... });
 * ```
 */
export function postgresReplicationLag(options: PostgresReplicationLagOptions): HealthCheck {
  const maxLagMs = nonNegativeMs(options.maxLagMs ?? 10_000, {
    where: 'postgresReplicationLag() option maxLagMs',
  });
  return postgresHealthCheck(
    {
      builder: 'postgresReplicationLag()',
      defaultName: 'postgres-replication-lag',
      sql: SQL,
      read: (row): ReplicationLagReading => ({
        inRecovery: booleanColumn(row, 'in_recovery'),
        replicaLagMs: numberColumn(row, 'replica_lag_ms'),
        primaryLagMs: numberColumn(row, 'primary_lag_ms'),
        replicas: numberColumn(row, 'replicas') ?? 0,
      }),
      decide: (reading) => decideReplicationLag(reading, { maxLagMs }),
    },
    options,
  );
}

/**
 * The verdict on a replication-lag reading.
 *
 * @example
 * ```ts
 * decideReplicationLag({ inRecovery: true, replicaLagMs: 12_400, primaryLagMs: null, replicas: 0 }, { maxLagMs: 10_000 });
 * // { healthy: false, detail: 'replica lags 12 s behind its primary (limit 10 s)' }
 * ```
 */
export function decideReplicationLag(
  reading: ReplicationLagReading,
  limits: { readonly maxLagMs: number },
): HealthVerdict {
  const limit = `(limit ${formatDuration(limits.maxLagMs)})`;
  if (reading.inRecovery) {
    if (reading.replicaLagMs === null) {
      return { healthy: true, detail: 'replica has replayed no transaction yet: lag unknown' };
    }
    // A clock difference between the servers can make a tiny lag negative.
    const lagMs = Math.max(0, reading.replicaLagMs);
    return {
      healthy: lagMs <= limits.maxLagMs,
      detail: `replica lags ${formatDuration(lagMs)} behind its primary ${limit}`,
    };
  }
  if (reading.replicas === 0)
    return { healthy: true, detail: 'primary without streaming replicas' };
  const lagMs = Math.max(0, reading.primaryLagMs ?? 0);
  return {
    healthy: lagMs <= limits.maxLagMs,
    detail: `slowest of ${reading.replicas} replicas lags ${formatDuration(lagMs)} ${limit}`,
  };
}
