// Global setup of the `integration` project: starts Redis, PostgreSQL and PGlite once per run and
// hands their URLs to the tests. A missing server fails the run; it is never silently skipped,
// because a suite that skips its backends passes while testing nothing.
import type { TestProject } from 'vitest/node';

import { startPglite } from './pglite-server.js';
import { startPostgres } from './postgres-server.js';
import type { StartedServer } from './process.js';
import type { StartedCluster } from './redis-cluster.js';
import { startRedisCluster } from './redis-cluster.js';
import { startRedis } from './redis-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `redis://` URL of the Redis server for this run. */
    redisUrl: string;
    /** `redis://` URLs of the three masters of this run's Redis Cluster. */
    redisClusterUrls: string[];
    /** `postgres://` URL of the PostgreSQL server for this run, BullMQ schema migrated. */
    postgresUrl: string;
    /** `postgres://` URL of the PGlite socket server for this run, BullMQ schema migrated. */
    pgliteUrl: string;
  }
}

export default async function setup({ provide }: TestProject): Promise<() => Promise<void>> {
  const startedAt = Date.now();
  // In parallel: initdb, PGlite's WebAssembly start-up and joining the cluster take a second or two.
  const results = await Promise.allSettled([
    startRedis(),
    startPostgres(),
    startPglite(),
    startRedisCluster(),
  ]);
  const started = results.flatMap((result) =>
    result.status === 'fulfilled' ? [result.value] : [],
  );
  const teardown = () => stopAll(started);

  const failures = results.flatMap((result) =>
    result.status === 'rejected' ? [result.reason as unknown] : [],
  );
  if (failures.length > 0) {
    await teardown();
    if (failures.length === 1) throw failures[0];
    throw new AggregateError(failures, failures.map(describeError).join('\n'));
  }

  const [redis, postgres, pglite, cluster] = started as [
    StartedServer,
    StartedServer,
    StartedServer,
    StartedCluster,
  ];
  for (const server of started) console.log(`[servers] ${server.description}`);
  console.log(`[servers] ready in ${((Date.now() - startedAt) / 1000).toFixed(1)}s`);
  provide('redisUrl', redis.url);
  provide('postgresUrl', postgres.url);
  provide('pgliteUrl', pglite.url);
  provide('redisClusterUrls', [...cluster.nodeUrls]);
  return teardown;
}

async function stopAll(servers: readonly StartedServer[]): Promise<void> {
  const results = await Promise.allSettled(servers.map((server) => server.stop()));
  for (const result of results) {
    if (result.status === 'rejected') {
      console.error(`[servers] stopping a server failed: ${describeError(result.reason)}`);
    }
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
