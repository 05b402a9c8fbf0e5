// The worker of a benchmark's worker process (parallel-worker.ts, rate-worker.ts), configured
// through the environment: BACKEND redis or postgres, URL, QUEUE, CONCURRENCY,
// CHECKPOINT_INTERVAL_MS, and PG_POOL_MAX (the size of each PostgreSQL pool; BullMQ's default
// when unset). Resolves once the worker is connected.
import { createPostgresBackend } from 'bullmq';
import { pino } from 'pino';

import { IterationWorker, redisOptionsFromUrl } from '../src/index.js';

export async function workerFromEnv(
  jobs: ConstructorParameters<typeof IterationWorker>[1],
): Promise<IterationWorker<never, never>> {
  const env = process.env;
  const postgres = env.BACKEND === 'postgres';
  const url = env.URL!;
  const poolMax = env.PG_POOL_MAX === undefined ? undefined : Number(env.PG_POOL_MAX);
  const connection = postgres
    ? poolMax === undefined
      ? url
      : { connectionString: url, max: poolMax }
    : redisOptionsFromUrl(url);
  const checkpointIntervalMs = Number(env.CHECKPOINT_INTERVAL_MS ?? 0);
  const worker = new IterationWorker<never, never>(
    env.QUEUE!,
    jobs,
    {
      connection: connection as never,
      logger: pino({ level: 'warn' }),
      handleSignals: false,
      concurrency: Number(env.CONCURRENCY ?? 1),
      ...(checkpointIntervalMs > 0 ? { checkpointIntervalMs } : {}),
    },
    (postgres ? createPostgresBackend : undefined) as never,
  );
  worker.on('error', (error) => console.error(`worker error: ${error.message}`));
  await worker.waitUntilReady();
  return worker;
}
