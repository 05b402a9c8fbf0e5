/**
 * The checks `connect()` makes before handing out queues: the server answers (within a timeout,
 * with the address tried in the message), refuses or accepts the credentials, is or is not a
 * Redis Cluster node; on PostgreSQL, BullMQ's schema is there (or is migrated).
 */
import { runMigrations } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';

import { authRefusal, BackendAuthError } from './connect-errors.js';
import type { RedisUrlOptions } from './redis-url.js';

/** The `code` of the error `connect({ migrate: false })` throws when BullMQ's tables are missing. */
export const NO_SCHEMA = 'BULLMQ_ITERATION_NO_SCHEMA';

/** Checks the server answers; says whether it is a node of a Redis Cluster. */
export async function pingRedis(
  options: RedisUrlOptions,
  where: string,
  timeoutMs: number,
): Promise<{ cluster: boolean }> {
  const client = new Redis({
    ...options,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  const info = await probeRedisClient(client, 'Redis', where, timeoutMs, async () => {
    await client.connect();
    await client.ping();
    return client.info('cluster');
  });
  return { cluster: /^cluster_enabled:1/m.test(info) };
}

/**
 * Runs `work` on a lazily connecting ioredis client (a `Redis` or a `Cluster`) within
 * `timeoutMs`, then disconnects it; a failure names what was tried and why, and a refusal of the
 * credentials is a `BackendAuthError`.
 */
export async function probeRedisClient<T>(
  client: { on(event: 'error', listener: (error: Error) => void): unknown; disconnect(): void },
  what: string,
  where: string,
  timeoutMs: number,
  work: () => Promise<T>,
): Promise<T> {
  // ioredis rejects connect() with a bare "Connection is closed."; the reason is in the event.
  let reason: unknown;
  client.on('error', (error) => (reason ??= error));
  // ioredis's connectTimeout ends once TCP connects: a peer that accepts and never answers (a
  // stuck server, a proxy, another protocol) would leave the ready check waiting forever.
  let timer: NodeJS.Timeout | undefined;
  const silent = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([work(), silent]);
  } catch (error) {
    const cause = reason ?? error;
    const refused = authRefusal('redis', cause);
    if (refused !== undefined) throw new BackendAuthError('redis', where, refused, cause);
    throw new Error(`Cannot reach ${what} at ${where}: ${errorText(cause)}`, { cause });
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}

export async function reachPostgres(
  url: string,
  where: string,
  timeoutMs: number,
  migrate: boolean,
): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    const refused = authRefusal('postgres', error);
    if (refused !== undefined) throw new BackendAuthError('postgres', where, refused, error);
    throw new Error(`Cannot reach PostgreSQL at ${where}: ${errorText(error)}`, { cause: error });
  }
  try {
    // Idempotent and advisory-locked: safe from every process at every start.
    if (migrate) await runMigrations(client);
    else await requireSchema(client, where);
  } finally {
    await client.end();
  }
}

/**
 * Without migrations, a database that never saw a worker has no queue tables; say so instead of
 * letting the first query fail with `relation "bullmq.job" does not exist`.
 */
async function requireSchema(client: pg.Client, where: string): Promise<void> {
  const { rows } = await client.query<{ table: string | null }>(
    "SELECT to_regclass('bullmq.job')::text AS table",
  );
  if (rows[0]?.table == null) {
    throw Object.assign(
      new Error(
        `PostgreSQL at ${where} has no BullMQ schema yet, and this command does not create one. ` +
          'Start a worker on it, or run `bullmq-iteration migrate` (connect() migrates by default).',
      ),
      { code: NO_SCHEMA },
    );
  }
}

function errorText(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map((e: unknown) => errorText(e)).join('; ');
  }
  return error instanceof Error ? error.message || error.name : String(error);
}
