/**
 * The demo behind `npm run demo` and `bullmq-iteration demo`: a resumable backfill over a table of
 * the embedded database (or of the Redis/PostgreSQL it is pointed at), run by a separate worker
 * process that gets a real SIGTERM part way through, as in a deploy; a second worker process
 * resumes the job, and the result is checked row by row against the table.
 */
import pg from 'pg';

import type { BackendKind, Connection } from '../../connect.js';
import type { RedisUrlOptions } from '../../redis-url.js';
import type { IterationProgress } from '../../runtime/progress.js';
import { CliError, ExitCode } from '../exit-codes.js';
import type { Output } from '../io.js';
import { BATCH, checkAccounts, createAccounts } from './accounts.js';
import type { DemoWorker } from './demo-process.js';
import { startDemoWorker } from './demo-process.js';
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
  /** What chose the backend, for the narration. @defaultValue the connection's `selectedBy` */
  readonly selectedBy?: string;
  /** Where the deploy lands, as a fraction of the batches. @defaultValue between 0.3 and 0.65 */
  readonly deployAt?: number;
}

/** Two batches: the least that can be interrupted between batches. */
export const MIN_ROWS = 2 * BATCH;

const STARTING: Record<BackendKind, string> = {
  redis: 'Redis',
  postgres: 'PostgreSQL',
  embedded: 'embedded database (PGlite, no server needed)',
};

const count = (n: number) => n.toLocaleString('en-US');

/** Runs the demo; resolves with the exit code (0 when every row was processed exactly once). */
export async function runDemo(options: DemoOptions): Promise<number> {
  const { rows: ROWS, out } = options;
  if (!Number.isSafeInteger(ROWS) || ROWS < MIN_ROWS) {
    throw new RangeError(
      `The demo needs at least ${count(MIN_ROWS)} rows (two batches of ${BATCH}) to interrupt a run part way, got ${ROWS}.`,
    );
  }
  const say = (text: string) => out.write(`${text}\n`);
  say('bullmq-iteration demo: a resumable backfill that survives a deploy\n');
  const startedAt = Date.now();
  say(`- starting the ${STARTING[options.kind]} …`);
  const backend = await options.open();
  if (typeof backend.connection === 'object' && 'isCluster' in backend.connection) {
    await backend.close();
    throw new CliError(
      `The demo's worker processes run on one Redis server, not on a Redis Cluster (${backend.description}). ` +
        'Give it a single redis:// URL, or run it on the embedded database.',
      ExitCode.usage,
    );
  }
  say(`  queues on ${backend.description} (from ${options.selectedBy ?? backend.selectedBy})`);

  // The rows to backfill live in PostgreSQL: the embedded one, or the one given.
  const tableUrl = backend.databaseUrl ?? options.tableDatabaseUrl;
  if (tableUrl === undefined) {
    await backend.close();
    throw new CliError(
      'On Redis the demo also needs a PostgreSQL for its table: set DEMO_DATABASE_URL=postgres://…, or run it without a Redis URL (on the embedded database).',
      ExitCode.usage,
    );
  }
  const pool = new pg.Pool({ connectionString: tableUrl, max: 4 });
  pool.on('error', () => {}); // an idle client dropped by the server; the next query reconnects
  await createAccounts(pool, ROWS);
  say(`- created table demo_accounts with ${count(ROWS)} rows`);

  const totalBatches = Math.ceil(ROWS / BATCH);
  const holdAt = deployBatch(totalBatches, options.deployAt);
  const rowsAfter = (batches: number) => Math.min(batches * BATCH, ROWS);
  // Progress of a batch enumerator counts rows; the deploy is told in batches.
  const batchesIn = (rows: number) => Math.ceil(rows / BATCH);
  const queueName = `demo-${Date.now()}`;
  const queue = backend.queue(queueName);
  const job = await queue.add('score-accounts', {});
  say(`- enqueued job ${job.id} (score-accounts, ${totalBatches} batches of ${BATCH} rows)\n`);

  const line = new ProgressLine(out);
  const rowsDone = async () => {
    const progress = (await queue.getJob(job.id!))?.progress as IterationProgress | number;
    return typeof progress === 'object' ? progress.processed : 0;
  };
  async function follow(label: string, worker: DemoWorker, until: () => boolean) {
    while (!until() && worker.running) {
      const done = await rowsDone();
      line.update(done / ROWS, `${count(done)} rows  ${label}`);
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  const config = {
    kind: backend.kind,
    url: backend.databaseUrl ?? urlOf(backend),
    tableUrl,
    queueName,
  };

  // Worker 1, a process of its own, runs until the deploy: a SIGTERM at batch `holdAt`.
  const first = startDemoWorker({ ...config, holdAt });
  await first.next('ready');
  let holding = false;
  first
    .next('holding')
    .then(() => (holding = true))
    .catch(() => {}); // a worker that died is reported by next('interrupted') below
  await follow(`worker 1 (pid ${first.pid})`, first, () => holding);
  line.update(holdAt / totalBatches, `${count(rowsAfter(holdAt))} rows  worker 1`);
  line.done(`deploy! SIGTERM to worker 1 (pid ${first.pid}) at batch ${holdAt} of ${totalBatches}`);
  first.terminate();
  const interrupted = await first.next('interrupted');
  const firstExit = await first.exited;
  say(
    `- worker 1 finished its batch, saved cursor ${JSON.stringify(interrupted.cursor)} after ` +
      `${batchesIn(Number(interrupted.processed))} batches (${count(Number(interrupted.processed))} rows), ` +
      `requeued the job and exited by ${firstExit.signal ?? `code ${firstExit.code}`}`,
  );
  say(`- job state now: ${await job.getState()}; starting worker 2 (the new deploy) …\n`);

  // Worker 2 picks the job up and continues after the last finished batch.
  const second = startDemoWorker(config);
  let completed: Record<string, unknown> | undefined;
  second
    .next('completed')
    .then((event) => (completed = event))
    .catch(() => {}); // reported below with the worker's stderr
  await follow(`worker 2 (pid ${second.pid})`, second, () => completed !== undefined);
  if (completed === undefined) {
    throw new Error(`worker 2 stopped before the job completed:\n${second.stderr()}`);
  }
  line.update(1, `${count(Number(completed.processed))} rows  worker 2`);
  line.done('worker 2: done');
  second.terminate();
  await second.exited;

  // Check the work against the table itself.
  const check = await checkAccounts(pool);
  const exact = check.once === ROWS && check.more === 0 && check.missed === 0;
  say('\nSummary');
  say(`  rows processed exactly once   ${count(check.once)} of ${count(ROWS)}`);
  say(`  rows processed twice or more  ${check.more}`);
  say(`  rows never processed          ${check.missed}`);
  say(
    `  interruptions                 ${String(completed.timesInterrupted)} (the SIGTERM at ` +
      `${count(Number(interrupted.processed))} rows)`,
  );
  say(`  time iterating                ${(Number(completed.totalTimeMs) / 1000).toFixed(1)} s`);
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

/** A batch part way, never exactly half (a round point would hide off-by-one mistakes). */
function deployBatch(total: number, at = 0.3 + Math.random() * 0.35): number {
  let batch = Math.min(total - 1, Math.max(1, Math.round(total * at)));
  if (batch * 2 === total && total > 2) batch += 1;
  return batch;
}

/** The Redis URL of a Redis connection, for the worker processes. */
function urlOf(backend: Connection): string {
  const c = backend.connection as RedisUrlOptions;
  const host = c.host.includes(':') ? `[${c.host}]` : c.host;
  const user = encodeURIComponent(c.username ?? '');
  const auth = c.password ? `${user}:${encodeURIComponent(c.password)}@` : '';
  return `redis://${auth}${host}:${c.port}/${c.db ?? 0}`;
}
