/**
 * `connect()` on a Redis Cluster (a comma-separated list of node URLs): checks the cluster answers
 * and reports `cluster_state:ok` before handing out one shared ioredis `Cluster`, which BullMQ
 * uses as it is (and duplicates for each worker's blocking connection).
 */
import { Cluster } from 'ioredis';

import { probeRedisClient } from './connect-probe.js';
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
  const info = await probeRedisClient(client, 'the Redis Cluster', where, timeoutMs, async () => {
    await client.connect();
    return client.cluster('INFO') as Promise<string>;
  });
  const state = /cluster_state:(\w+)/.exec(info)?.[1];
  if (state !== 'ok') {
    throw new Error(
      `Cannot reach the Redis Cluster at ${where}: cluster_state is ${state ?? 'missing'}, not ok`,
    );
  }
}
