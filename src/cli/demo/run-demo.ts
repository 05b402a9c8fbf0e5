/**
 * The demo behind `npm run demo` and `bullmq-iteration demo`: a resumable backfill over a table of
 * the embedded database (or of REDIS_URL/DATABASE_URL), with a simulated deploy half way through:
 * the first worker is closed gracefully, a second one resumes the job, and the result is checked
 * against the table.
 */
import pg from 'pg';
import { pino } from 'pino';

import type { BackendKind, Connection } from '../../connect.js';
import type { IterationProgress } from '../../runtime/progress.js';
import type { Output } from '../io.js';
import { BATCH, checkAccounts, createAccounts, scoreAccountsJob } from './accounts.js';
import { ProgressLine } from './progress-line.js';

export interface DemoOptions {
  readonly rows: number;
  readonly out: Output;
  /** Which backend `open` connects to, for the narration. */
  readonly kind: BackendKind;
  /** Connects: `connect()`, with the embedded database in memory. */
  readonly open: () => Promise<Connection>;
  /** With Redis, the PostgreSQL that holds the demo's table. */
  readonly tableDatabaseUrl?: string | undefined;
}

/** Two batches: the least that can be interrupted between batches. */
export const MIN_ROWS = 2 * BATCH;

const STARTING: Record<BackendKind, string> = {
  redis: 'Redis',
  postgres: 'PostgreSQL',
  embedded: 'embedded database (PGlite, no server needed)',
};

/** Runs the demo; resolves with the exit code (0 when every row was processed exactly once). */
export async function runDemo(options: DemoOptions): Promise<number> {
  const { rows: ROWS, out } = options;
  if (!Number.isSafeInteger(ROWS) || ROWS < MIN_ROWS) {
    throw new RangeError(
      `The demo needs at least ${MIN_ROWS.toLocaleString('en-US')} rows (two batches of ${BATCH}) to interrupt a run half way, got ${ROWS}.`,
    );
  }
  const say = (text: string) => out.write(`${text}\n`);
  // The demo narrates itself; the library's own logs would interleave with the progress line.
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' });

  say('bullmq-iteration demo: a resumable backfill that survives a deploy\n');
  const startedAt = Date.now();
  say(`- starting the ${STARTING[options.kind]} …`);
  const backend = await options.open();
  say(`  queues on ${backend.description}`);

  // The rows to backfill live in PostgreSQL: the embedded one, or DATABASE_URL.
  const databaseUrl = backend.databaseUrl ?? options.tableDatabaseUrl;
  if (databaseUrl === undefined) {
    await backend.close();
    throw new Error(
      'With REDIS_URL the demo also needs a PostgreSQL for its table: set DEMO_DATABASE_URL.',
    );
  }
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  await createAccounts(pool, ROWS);
  say(`- created table demo_accounts with ${ROWS.toLocaleString('en-US')} rows`);
  // The "deploy" comes when half of the batches are done, counted by the job itself: polling the
  // progress from outside would miss the moment when the database is fast and the table small.
  const totalBatches = Math.ceil(ROWS / BATCH);
  let batchesDone = 0;
  let reachHalf!: () => void;
  const halfDone = new Promise<void>((resolve) => (reachHalf = resolve));
  const scoreAccounts = scoreAccountsJob(pool, () => {
    if (++batchesDone === Math.ceil(totalBatches / 2)) reachHalf();
  });

  const queueName = `demo-${Date.now()}`;
  const queue = backend.queue(queueName);
  const job = await scoreAccounts.enqueue(queue, {});
  say(`- enqueued job ${job.id} (score-accounts) on queue ${queueName}\n`);

  const line = new ProgressLine(out);
  const processed = async () => {
    const progress = (await queue.getJob(job.id!))?.progress as IterationProgress | number;
    return typeof progress === 'object' ? progress.processed : undefined;
  };
  async function watch(label: string, until: () => boolean) {
    while (!until()) {
      const done = await processed();
      if (done !== undefined) {
        const rows = Math.min(done * BATCH, ROWS);
        line.update(done / totalBatches, `${rows.toLocaleString('en-US')} rows  ${label}`);
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  const workerOptions = { logger, handleSignals: false, progressIntervalMs: 200 };

  // Worker 1 runs until about half of the rows are done, then a "deploy" closes it gracefully.
  const first = backend.worker(queueName, [scoreAccounts], workerOptions);
  let interrupted: { processed: number; cursor: unknown } | undefined;
  first.on('iteration.interrupted', (e) => (interrupted = e));
  let half = false;
  const halfway = watch('worker 1', () => half);
  await halfDone;
  // close() interrupts the run at its next item boundary: the batch in flight finishes first.
  const closing = first.close();
  half = true;
  await halfway;
  line.done(`worker 1: deploy! closing it gracefully …`);
  await closing;
  say(
    `- worker 1 finished its batch, saved cursor ${JSON.stringify(interrupted?.cursor)} ` +
      `after ${interrupted?.processed} batches and put the job back in the queue`,
  );
  say(`- job state now: ${await job.getState()}; starting worker 2 (the new deploy) …\n`);

  // Worker 2 picks the job up and continues after the last finished batch.
  const second = backend.worker(queueName, [scoreAccounts], workerOptions);
  let result: { processed: number; timesInterrupted: number; totalTimeMs: number } | undefined;
  second.on('iteration.completed', (e) => (result = e));
  await watch('worker 2', () => result !== undefined);
  line.update(1, `${ROWS.toLocaleString('en-US')} rows  worker 2`);
  line.done('worker 2: done');
  await second.close();

  // Check the work against the table itself.
  const check = await checkAccounts(pool);
  const exact = check.once === ROWS && check.more === 0 && check.missed === 0;
  say('\nSummary');
  say(
    `  rows processed exactly once   ${check.once.toLocaleString('en-US')} of ${ROWS.toLocaleString('en-US')}`,
  );
  say(`  rows processed twice or more  ${check.more}`);
  say(`  rows never processed          ${check.missed}`);
  say(`  interruptions                 ${result?.timesInterrupted} (the deploy)`);
  say(`  time iterating                ${((result?.totalTimeMs ?? 0) / 1000).toFixed(1)} s`);
  say(`  demo wall time                ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  say(
    exact
      ? '\nOK: every row was processed exactly once across the deploy.'
      : '\nFAILED: see the counts above.',
  );

  await queue.obliterate({ force: true });
  await queue.close();
  await pool.end();
  await backend.close();
  return exact ? 0 : 1;
}
