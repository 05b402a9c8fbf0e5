/**
 * The demo's worker process: one IterationWorker on the queue and table the demo made, told where
 * by the `BULLMQ_ITERATION_DEMO` variable (JSON). It reports to the demo as JSON lines on stdout.
 * SIGTERM stops it the way a deploy would: the library's signal handling finishes the batch in
 * flight, saves the cursor, requeues the job and ends the process by the same signal.
 *
 * With `holdAt`, the step of that batch waits for the signal once its rows are written: the demo
 * chooses where its deploy lands, however fast the database runs through the table.
 */
import { createPostgresBackend } from 'bullmq';
import pg from 'pg';
import { pino } from 'pino';

import { createEmbeddedBackend } from '../../embedded/pglite-server.js';
import { redisOptionsFromUrl } from '../../redis-url.js';
import { IterationWorker } from '../../worker.js';
import { scoreAccountsJob } from './accounts.js';

/** What the demo tells a worker process. */
export interface DemoWorkerConfig {
  readonly kind: 'redis' | 'postgres' | 'embedded';
  readonly url: string;
  readonly tableUrl: string;
  readonly queueName: string;
  /** The batch to hold until SIGTERM; none for the second worker. */
  readonly holdAt?: number;
}

const config = JSON.parse(process.env.BULLMQ_ITERATION_DEMO ?? '') as DemoWorkerConfig;
const report = (event: Record<string, unknown>) =>
  process.stdout.write(`${JSON.stringify(event)}\n`);

const pool = new pg.Pool({ connectionString: config.tableUrl, max: 2 });
// An idle client closed by the server must not end the process (the demo's own advice).
pool.on('error', (error) => report({ event: 'pool-error', message: error.message }));

const terminated = new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
let batches = 0;
const job = scoreAccountsJob(pool, async () => {
  if (++batches !== config.holdAt) return;
  report({ event: 'holding', batches });
  await terminated;
});

const options = {
  logger: pino({ level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2)),
  progressIntervalMs: 200,
  ...(config.kind === 'embedded' ? { drainDelay: 0.5 } : {}),
};
const worker =
  config.kind === 'redis'
    ? new IterationWorker(config.queueName, [job], {
        ...options,
        connection: redisOptionsFromUrl(config.url),
      })
    : new IterationWorker(
        config.queueName,
        [job],
        { ...options, connection: config.url },
        config.kind === 'embedded' ? createEmbeddedBackend : createPostgresBackend,
      );
worker.on('iteration.interrupted', (e) =>
  report({ event: 'interrupted', reason: e.reason, processed: e.processed, cursor: e.cursor }),
);
worker.on('iteration.completed', (e) =>
  report({
    event: 'completed',
    processed: e.processed,
    timesInterrupted: e.timesInterrupted,
    totalTimeMs: e.totalTimeMs,
  }),
);
await worker.waitUntilReady();
report({ event: 'ready', pid: process.pid });
