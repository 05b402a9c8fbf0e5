// bull-board showing iteration runs as they go:
// `npx tsx --conditions=@bullmq-iteration/source examples/dashboard.ts`, then open the URL it prints.
// Uses BULLMQ_ITERATION_REDIS_URL or BULLMQ_ITERATION_DATABASE_URL when set, the embedded
// database otherwise. PORT picks the port
// (default 3000). Ctrl-C stops it: the runs in flight checkpoint and requeue, as on a deploy.
import type { BuildEnumeratorArgs, RangeCursor } from 'bullmq-iteration';
import { connect, defineIterationJob, times } from 'bullmq-iteration';
import { pino } from 'pino';

import { createDashboard } from './dashboard-app.js';

const ITEMS = 300;
const ITEM_MS = 100;

// Stands in for real work: 300 items of 100 ms each, about 30 s a run. `times` can count its
// items, so the runtime publishes a percentage and bull-board draws a bar.
const reindex = defineIterationJob({
  name: 'reindex-documents',
  buildEnumerator: ({ params, cursor }: BuildEnumeratorArgs<{ items: number }, RangeCursor>) =>
    times(params.items, { cursor }),
  async eachIteration() {
    await new Promise((resolve) => setTimeout(resolve, ITEM_MS));
  },
  // Each run stops after 10 s, checkpoints and requeues itself, as on a deploy: bull-board keeps
  // its bar where it stopped while it waits, and its `timesInterrupted` grows.
  maxRuntimeMs: 10_000,
});

const backend = await connect();
const queueName = 'dashboard-demo';
const queue = backend.queue(queueName);
const port = Number(process.env.PORT ?? 3000);
// The server first: a port already taken should stop the script before any run starts.
const dashboard = await createDashboard({ queues: [queue], port }).catch(async (error: unknown) => {
  await queue.close();
  await backend.close();
  throw new Error(`Cannot serve bull-board on port ${port}; set PORT to a free one.`, {
    cause: error,
  });
});
const worker = backend.worker(queueName, [reindex], {
  concurrency: 2,
  logger: pino({ level: process.env.LOG_LEVEL ?? 'warn' }),
  // This script closes the dashboard as well as the worker on Ctrl-C; see below.
  handleSignals: false,
});

// Three runs for two slots: two bars move while the third waits its turn, and whenever a run
// completes another is enqueued so there is always something to watch. Runs left over from an
// earlier start (on Redis or PostgreSQL) resume from their cursors instead.
const enqueueRun = () => reindex.enqueue(queue, { items: ITEMS });
worker.on('iteration.completed', () => void enqueueRun());
const leftOver = await queue.getJobCountByTypes('active', 'waiting', 'delayed', 'prioritized');
if (leftOver === 0) await Promise.all([enqueueRun(), enqueueRun(), enqueueRun()]);

console.log(`bull-board for queue "${queueName}" on ${backend.description}:`);
console.log(`  ${dashboard.queueUrl(queueName)}`);
console.log('Ctrl-C to stop.');

// The worker's own signal handling closes workers only; here the HTTP server and the embedded
// database must stop too, in order, so the script handles SIGINT/SIGTERM itself. A second signal
// exits at once; BullMQ's stalled check later hands those runs back, from their last checkpoint.
let stopping = false;
const stop = async (signal: NodeJS.Signals) => {
  if (stopping) process.exit(130);
  stopping = true;
  console.log(`\n${signal}: checkpointing the runs in flight…`);
  await worker.close();
  await dashboard.close();
  await queue.close();
  await backend.close();
  console.log(
    backend.kind === 'embedded'
      ? 'stopped (the embedded database lived in memory: its runs are gone)'
      : 'stopped; the runs continue from their cursors when this starts again',
  );
};
process.on('SIGINT', (signal) => void stop(signal));
process.on('SIGTERM', (signal) => void stop(signal));
