/**
 * Whether an active job's BullMQ lock is still held, read from any process: the one place where
 * status reads BullMQ's own storage (pinned to BullMQ 6; see BULLMQ_NOTES on the lock).
 *
 * - Redis: the key `<prefix>:<queue>:<id>:lock` holds the token while a worker renews it.
 * - PostgreSQL: the job row's `lock_token` is set and `locked_until_ms` lies ahead.
 *
 * A worker that died (SIGKILL, OOM, a lost host) stops renewing: the lock expires after
 * `lockDuration` and the job is stale until BullMQ's stalled check hands it to another worker.
 */
import type { IQueueBackend } from 'bullmq';
import { PostgresQueueBackend, quoteSchemaName, RedisQueueBackend } from 'bullmq';

/** `true` held, `false` gone, `undefined` when this backend cannot say. */
export async function isLockHeld(
  backend: IQueueBackend,
  queueName: string,
  jobId: string,
  now = Date.now(),
): Promise<boolean | undefined> {
  if (backend instanceof RedisQueueBackend) {
    const client = await backend.client;
    return (await client.get(`${backend.toKey(jobId)}:lock`)) !== null;
  }
  if (backend instanceof PostgresQueueBackend) {
    const connection = backend.connection;
    await connection.waitUntilReady();
    const { rows } = await connection.pool.query<{ held: boolean }>(
      `SELECT (lock_token IS NOT NULL AND locked_until_ms >= $3) AS held
         FROM ${quoteSchemaName(connection.schema)}.job WHERE queue = $1 AND id = $2`,
      [queueName, jobId, now],
    );
    return rows[0]?.held ?? false;
  }
  return undefined;
}
