// The worker process of the chaos suite, configured through the environment. Every item it
// processes is appended as `jobId:item` to its own RECORD_FILE with a synchronous write, outside
// the queue, so the record survives a SIGKILL and the harness can count lost and redone items.
import { openSync, writeSync } from 'node:fs';

import { createPostgresBackend } from 'bullmq';
import { pino } from 'pino';

import { createEmbeddedBackend } from '../../src/embedded/pglite-server.js';
import type { BuildEnumeratorArgs, CheckpointMode } from '../../src/index.js';
import { defineIterationJob, IterationWorker, redisOptionsFromUrl } from '../../src/index.js';
import { CHECKPOINT_LAG_ITEMS } from './bounds.js';

/** Params of every chaos job: items 0..total-1, each taking `stepMs` (0: a synchronous step). */
export interface ChaosParams {
  readonly total: number;
  readonly stepMs: number;
  /** With `stepMs` 0: an async step that awaits a resolved promise instead of a sync one. */
  readonly asyncStep?: boolean;
  /** Only the `checked` job looks at it: its parseParams rejects anything but `true`. */
  readonly valid?: boolean;
}

const env = process.env;
const record = openSync(env.RECORD_FILE!, 'a');
const rssEvery = Number(env.RSS_EVERY ?? 0);
const gc = (globalThis as { gc?: () => void }).gc;
let processedHere = 0;

function countJob(name: string, parseParams?: (data: unknown) => ChaosParams) {
  return defineIterationJob({
    name,
    checkpointMode: (env.CHECKPOINT_MODE ?? 'coalesced') as CheckpointMode,
    ...(parseParams ? { parseParams } : {}),
    buildEnumerator({ params, cursor }: BuildEnumeratorArgs<ChaosParams, number>) {
      const from = cursor === null ? 0 : cursor + 1;
      return (function* () {
        for (let i = from; i < params.total; i++) yield [i, i] as const;
      })();
    },
    eachIteration(item: number, ctx) {
      writeSync(record, `${ctx.job.id}:${item}\n`);
      if (rssEvery > 0 && ++processedHere % rssEvery === 0) sampleMemory();
      const { stepMs, asyncStep } = ctx.params;
      if (stepMs > 0) return new Promise<void>((resolve) => setTimeout(resolve, stepMs));
      return asyncStep === true ? Promise.resolve() : undefined;
    },
  });
}

/** `rss <items> <rss bytes> <heap bytes>` on stdout, after a full collection. */
function sampleMemory(): void {
  gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  console.log(`rss ${processedHere} ${rss} ${heapUsed}`);
}

const jobs = {
  count: countJob('count'),
  // Known only to workers started with it in JOBS: a job type a rolling deploy introduces.
  newcomer: countJob('newcomer'),
  checked: countJob('checked', (data) => {
    const params = data as ChaosParams;
    if (params.valid !== true) throw new TypeError(`expected params.valid to be true`);
    return params;
  }),
};
const names = (env.JOBS ?? 'count,checked').split(',') as (keyof typeof jobs)[];

const backend = env.BACKEND!;
const url = env.URL!;
const factory = {
  redis: undefined,
  postgres: createPostgresBackend,
  pglite: createEmbeddedBackend,
};
const worker = new IterationWorker(
  env.QUEUE!,
  names.map((name) => jobs[name]),
  {
    connection: (backend === 'redis' ? redisOptionsFromUrl(url) : url) as never,
    logger: pino({ level: env.LOG_LEVEL ?? 'warn' }, pino.destination(2)),
    concurrency: Number(env.CONCURRENCY ?? 1),
    lockDuration: Number(env.LOCK_MS ?? 30_000),
    stalledInterval: Number(env.STALLED_MS ?? 30_000),
    // A tight backpressure bound, so the redo after each incident is checked against it.
    maxCheckpointLagItems: CHECKPOINT_LAG_ITEMS,
    // PGlite never delivers NOTIFY: an idle worker there polls (see test/support/backends.ts).
    ...(backend === 'pglite' ? { drainDelay: 0.2 } : {}),
  },
  factory[backend as keyof typeof factory] as never,
);
worker.on('error', (error) => console.error(`worker error: ${error.message}`));
worker.on('failed', (job, error) =>
  console.error(`job ${job?.id} (${job?.name}) failed: ${error.message}`),
);
await worker.waitUntilReady();
console.log('ready');
