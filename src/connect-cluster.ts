/**
 * `connect()` on a Redis Cluster (a comma-separated list of node URLs): checks the cluster answers
 * and reports `cluster_state:ok` before handing out one shared ioredis `Cluster`, which BullMQ
 * uses as it is (and duplicates for each worker's blocking connection).
 */
import { Cluster } from 'ioredis';

import { authRefusal, BackendAuthError } from './connect-errors.js';
import type { RedisClusterUrlOptions } from './redis-url.js';

/**
 * The `Cluster` the queues and workers of one `connect()` share. Workers block on Redis, so
 * commands wait for a reconnect instead of failing after a few retries.
 */
export function clusterConnection(options: RedisClusterUrlOptions): Cluster {
  return new Cluster([...options.nodes], {
    redisOptions: { ...options.redisOptions, maxRetriesPerRequest: null },
  });
}

/** Fails with the nodes tried and the reason unless the cluster answers within `timeoutMs`. */
export async function pingCluster(
  options: RedisClusterUrlOptions,
  where: string,
  timeoutMs: number,
): Promise<void> {
  const client = new Cluster([...options.nodes], {
    lazyConnect: true,
    enableOfflineQueue: true,
    clusterRetryStrategy: () => null,
    redisOptions: {
      ...options.redisOptions,
      connectTimeout: timeoutMs,
      maxRetriesPerRequest: 0,
    },
  });
  let reason: unknown;
  client.on('error', (error) => (reason ??= error));
  let timer: NodeJS.Timeout | undefined;
  const silent = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const info = await Promise.race([
      client.connect().then(() => client.cluster('INFO') as Promise<string>),
      silent,
    ]);
    const state = /cluster_state:(\w+)/.exec(info)?.[1];
    if (state !== 'ok') throw new Error(`cluster_state is ${state ?? 'missing'}, not ok`);
  } catch (error) {
    const cause = reason ?? error;
    const refused = authRefusal('redis', cause);
    if (refused !== undefined) throw new BackendAuthError('redis', where, refused, cause);
    throw new Error(`Cannot reach the Redis Cluster at ${where}: ${text(cause)}`, { cause });
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}

function text(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}
