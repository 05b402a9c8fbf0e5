// `npm run demo`: a resumable backfill over 50,000 rows of the embedded database (or of
// REDIS_URL/DATABASE_URL when set), with a simulated deploy half way through: the first worker is
// closed gracefully, a second one resumes the job, and the result is checked against the table.
import pg from 'pg';
import { pino } from 'pino';

import type { KeysetCursor } from '../src/enumerators/index.js';
import { keysetBatches, pgQuery } from '../src/enumerators/index.js';
import type { BuildEnumeratorArgs, IterationProgress } from '../src/index.js';
import { connect, defineIterationJob } from '../src/index.js';
import { ProgressLine } from './progress-line.js';

const ROWS = Number(process.env.DEMO_ROWS ?? 50_000);
const BATCH = 500;
const say = (line: string) => console.log(line);
// The demo narrates itself; the library's own logs would interleave with the progress line.
const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' });

say('bullmq-iteration demo: a resumable backfill that survives a deploy\n');
const startedAt = Date.now();
const where = process.env.REDIS_URL
  ? 'Redis'
  : process.env.DATABASE_URL
    ? 'PostgreSQL'
    : 'embedded';
say(
  `- starting the ${where === 'embedded' ? 'embedded database (PGlite, no server needed)' : where} …`,
);
const backend = await connect();
say(`  queues on ${backend.description}`);

// The rows to backfill live in PostgreSQL: the embedded one, or DATABASE_URL.
const databaseUrl = backend.databaseUrl ?? process.env.DEMO_DATABASE_URL;
if (databaseUrl === undefined) {
  throw new Error(
    'With REDIS_URL the demo also needs a PostgreSQL for its table: set DEMO_DATABASE_URL.',
  );
}
const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
await pool.query('DROP TABLE IF EXISTS demo_accounts');
await pool.query(`CREATE TABLE demo_accounts (
  id bigint PRIMARY KEY,
  email text NOT NULL,
  plan text NOT NULL,
  score integer,
  times_processed integer NOT NULL DEFAULT 0
)`);
await pool.query(
  `INSERT INTO demo_accounts (id, email, plan)
   SELECT n, 'user' || n || '@example.com', (ARRAY['free','trial','pro'])[1 + n % 3]
     FROM generate_series(1, $1) AS n`,
  [ROWS],
);
say(`- created table demo_accounts with ${ROWS.toLocaleString('en-US')} rows`);

// The job: walk the table in keyset order, 500 rows per item, and score each batch. The cursor
// saved after every batch is the id of its last row.
const scoreAccounts = defineIterationJob({
  name: 'score-accounts',
  buildEnumerator: ({ cursor }: BuildEnumeratorArgs<object, KeysetCursor>) =>
    keysetBatches<{ id: string }>({
      query: pgQuery(pool),
      table: 'demo_accounts',
      columns: ['id'],
      batchSize: BATCH,
      count: 'exact',
      cursor,
    }),
  async eachIteration(accounts) {
    await pool.query(
      `UPDATE demo_accounts
          SET score = length(email) * 7 % 100, times_processed = times_processed + 1
        WHERE id = ANY($1::bigint[])`,
      [accounts.map((a) => a.id)],
    );
  },
});

const queueName = `demo-${Date.now()}`;
const queue = backend.queue(queueName);
const job = await scoreAccounts.enqueue(queue, {});
say(`- enqueued job ${job.id} (score-accounts) on queue ${queueName}\n`);

const line = new ProgressLine();
const totalBatches = Math.ceil(ROWS / BATCH);
async function watch(label: string, until: () => boolean) {
  while (!until()) {
    const progress = (await queue.getJob(job.id!))?.progress as IterationProgress | number;
    if (typeof progress === 'object') {
      const rows = Math.min(progress.processed * BATCH, ROWS);
      line.update(
        progress.processed / totalBatches,
        `${rows.toLocaleString('en-US')} rows  ${label}`,
      );
    }
    await new Promise((r) => setTimeout(r, 150));
  }
}

// Worker 1 runs until about half of the rows are done, then a "deploy" closes it gracefully.
const first = backend.worker(queueName, [scoreAccounts], {
  logger,
  handleSignals: false,
  progressIntervalMs: 200,
});
let interrupted: { processed: number; cursor: unknown } | undefined;
first.on('iteration.interrupted', (e) => (interrupted = e));
let half = false;
const halfway = watch('worker 1', () => half);
while (!half) {
  const progress = (await queue.getJob(job.id!))?.progress as IterationProgress | number;
  half = typeof progress === 'object' && progress.processed >= totalBatches / 2;
  await new Promise((r) => setTimeout(r, 50));
}
await halfway;
line.done(`worker 1: deploy! closing it gracefully …`);
await first.close();
say(
  `- worker 1 finished its batch, saved cursor ${JSON.stringify(interrupted?.cursor)} ` +
    `after ${interrupted?.processed} batches and put the job back in the queue`,
);
say(`- job state now: ${await job.getState()}; starting worker 2 (the new deploy) …\n`);

// Worker 2 picks the job up and continues after the last finished batch.
const second = backend.worker(queueName, [scoreAccounts], {
  logger,
  handleSignals: false,
  progressIntervalMs: 200,
});
let result: { processed: number; timesInterrupted: number; totalTimeMs: number } | undefined;
second.on('iteration.completed', (e) => (result = e));
await watch('worker 2', () => result !== undefined);
line.update(1, `${ROWS.toLocaleString('en-US')} rows  worker 2`);
line.done('worker 2: done');
await second.close();

// Check the work against the table itself.
const { rows } = await pool.query<{ once: string; other: string; missed: string }>(
  `SELECT count(*) FILTER (WHERE times_processed = 1) AS once,
          count(*) FILTER (WHERE times_processed > 1) AS other,
          count(*) FILTER (WHERE times_processed = 0) AS missed
     FROM demo_accounts`,
);
const check = rows[0]!;
const exact =
  Number(check.once) === ROWS && Number(check.other) === 0 && Number(check.missed) === 0;
say('\nSummary');
say(
  `  rows processed exactly once   ${Number(check.once).toLocaleString('en-US')} of ${ROWS.toLocaleString('en-US')}`,
);
say(`  rows processed twice or more  ${check.other}`);
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
process.exitCode = exact ? 0 : 1;
