/**
 * Whether PostgreSQL accepts writes: not a replica in recovery (a failover in progress, or a pool
 * pointed at a standby) and transactions not read-only (`default_transaction_read_only`, often set
 * during maintenance or when a disk fills up).
 */
import type { HealthCheck, HealthVerdict } from './health-check.js';
import type { PostgresCheckOptions } from './postgres-query.js';
import { booleanColumn, postgresHealthCheck } from './postgres-query.js';

/** What the writability query reads. */
export interface WritableReading {
  /** `pg_is_in_recovery()` */
  readonly inRecovery: boolean;
  /** `current_setting('transaction_read_only')` */
  readonly readOnly: boolean;
}

/** Options of {@link postgresWritable}. */
export type PostgresWritableOptions = PostgresCheckOptions;

const SQL = `
SELECT pg_is_in_recovery() AS in_recovery, current_setting('transaction_read_only') AS read_only`;

/**
 * Throttles jobs that write while the server refuses writes, instead of failing them item by item.
 *
 * @example
 * ```ts
 * const writable = postgresWritable({ query: pgQuery(pool) });
 * ```
 */
export function postgresWritable(options: PostgresWritableOptions): HealthCheck {
  return postgresHealthCheck(
    {
      builder: 'postgresWritable()',
      defaultName: 'postgres-writable',
      sql: SQL,
      read: (row): WritableReading => ({
        inRecovery: booleanColumn(row, 'in_recovery'),
        readOnly: booleanColumn(row, 'read_only'),
      }),
      decide: decideWritable,
    },
    options,
  );
}

/**
 * The verdict on a writability reading.
 *
 * @example
 * ```ts
 * decideWritable({ inRecovery: true, readOnly: true });
 * // { healthy: false, detail: 'server is in recovery (a replica): writes are refused' }
 * ```
 */
export function decideWritable(reading: WritableReading): HealthVerdict {
  if (reading.inRecovery) {
    return { healthy: false, detail: 'server is in recovery (a replica): writes are refused' };
  }
  if (reading.readOnly)
    return { healthy: false, detail: 'transactions are read-only: writes are refused' };
  return { healthy: true, detail: 'accepts writes' };
}
