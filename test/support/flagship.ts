// The flagship scenario, shared by the suite (test/integration/exactly-once/flagship.test.ts) and
// `npm run chaos` (test/chaos/flagship.ts): a backfill of a PostgreSQL table, keyset partitions
// that rebalance, each row's effect committed with its cursor, a few broken rows skipped and
// recorded, three worker processes, and incidents paced by progress: SIGKILLs of workers (each
// replaced), an outage of the data database, and a rolling deploy. Then the broken rows are fixed
// and replayed. What it returns is what the caller judges: every good row's effect exactly once,
// each broken row recorded once, a replay that commits exactly them and empties the list.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

import pg from 'pg';

import { getFailedItems, retryFailedItems } from '../../src/index.js';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'flagship-worker.ts');

/** What the scenario needs of the queue: BullMQ's Queue on the backend under test. */
export interface FlagshipQueue {
  readonly name: string;
  add(name: string, data: unknown): Promise<{ id?: string | undefined }>;
  getJobState(id: string): Promise<string>;
  getJob(id: string): Promise<{ failedReason?: string } | undefined>;
}

export interface FlagshipOptions {
  readonly backend: 'redis' | 'postgres';
  /** The queue's server, as the workers connect to it. */
  readonly queueUrl: string;
  readonly queue: FlagshipQueue;
  /** The data database (PostgreSQL). */
  readonly dataUrl: string;
  readonly rows: number;
  readonly brokenRows: number;
  readonly kills: number;
  /**
   * The outage of the data database: a restart where the harness owns the server; elsewhere, the
   * workers' sessions terminated (their connections carry `application_name`).
   */
  readonly outage: (pool: pg.Pool, applicationName: string) => Promise<string>;
  readonly timeoutMs: number;
  readonly log: (line: string) => void;
}

export interface FlagshipResult {
  readonly rows: number;
  readonly broken: readonly string[];
  readonly kills: number;
  readonly outages: number;
  readonly deployed: number;
  /** Good rows with more than one effect row, and their extra rows. */
  readonly duplicates: number;
  /** Good rows with no effect. */
  readonly missing: number;
  /** Broken rows with an effect before the replay (their transactions must have rolled back). */
  readonly brokenWithEffects: number;
  /** Broken rows recorded in the run's list, as recorded (an id twice is a duplicate record). */
  readonly recorded: readonly string[];
  /** Rows the replay processed, and what is left in the list after it. */
  readonly replayed: number;
  readonly leftAfterReplay: number;
  /** Rows with other than exactly one effect after the replay. */
  readonly wrongAfterReplay: number;
  readonly wallMs: number;
  readonly notes: readonly string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runFlagship(o: FlagshipOptions): Promise<FlagshipResult> {
  const started = Date.now();
  const tag = randomBytes(4).toString('hex');
  const table = `flagship_rows_${tag}`;
  const effects = `public.flagship_effects_${tag}`;
  const pool = new pg.Pool({ connectionString: o.dataUrl, max: 2 });
  pool.on('error', () => {});
  const workers = new Set<ChildProcess>();
  const notes: string[] = [];
  try {
    const broken = await prepare(pool, table, effects, o.rows, o.brokenRows);
    const app = `flagship_${tag}`;
    const env = {
      BACKEND: o.backend,
      URL: o.backend === 'postgres' ? named(o.queueUrl, app) : o.queueUrl,
      DATA_URL: named(o.dataUrl, app),
      QUEUE: o.queue.name,
      TABLE: table,
      EFFECTS: effects,
      SCHEMA: `flagship_${tag}`,
      LOCK_DURATION_MS: 2_000,
      STALLED_INTERVAL_MS: 1_000,
    };
    const start = () => startWorker(env, workers);
    await Promise.all([start(), start(), start()]);
    const job = await o.queue.add('flagship-backfill', {});
    const id = job.id!;
    const done = async () =>
      Number((await pool.query(`SELECT count(*) AS n FROM ${effects}`)).rows[0].n);
    const at = async (share: number) => {
      const target = Math.floor(o.rows * share);
      while ((await done()) < target) {
        if ((await o.queue.getJobState(id)) === 'completed') return false;
        await sleep(100);
      }
      return true;
    };
    let kills = 0;
    for (let k = 1; k <= o.kills; k++) {
      if (!(await at((0.5 * k) / (o.kills + 1)))) break;
      const victim = [...workers][k % workers.size]!;
      victim.kill('SIGKILL');
      await new Promise((resolve) => victim.once('exit', resolve));
      kills++;
      o.log(`  SIGKILL ${kills}/${o.kills} at ${await done()} rows`);
      // Replaced as an orchestrator would, without waiting: the others take its partitions over.
      start().catch((error: unknown) => notes.push(`replacement failed: ${String(error)}`));
    }
    let outages = 0;
    if (await at(0.55)) {
      o.log(`  ${await o.outage(pool, app)} at ${await done()} rows`);
      outages++;
    }
    let deployed = 0;
    if (await at(0.65)) {
      // A rolling deploy: each worker drains on SIGTERM, then its replacement starts.
      for (const old of [...workers]) {
        old.kill('SIGTERM');
        await new Promise((resolve) => old.once('exit', resolve));
        await start();
        deployed++;
      }
      o.log(`  rolling deploy of ${deployed} workers done at ${await done()} rows`);
    }
    await until(o.queue, id, o.timeoutMs);
    const counts = await effectCounts(pool, effects);
    const brokenSet = new Set(broken);
    let duplicates = 0;
    let missing = 0;
    let brokenWithEffects = 0;
    for (let i = 1; i <= o.rows; i++) {
      const n = counts.get(String(i)) ?? 0;
      if (brokenSet.has(String(i))) brokenWithEffects += n;
      else if (n === 0) missing++;
      else duplicates += n - 1;
    }
    const listed = await getFailedItems(o.queue as never, id);
    const recorded = listed.items.map((f) => (JSON.parse(f.item) as { id: string }).id);
    // The cause is fixed; one replay of the run commits what was skipped and empties its list.
    await pool.query(`UPDATE public.${table} SET payload = 'ok' WHERE payload = 'broken'`);
    const replay = await retryFailedItems(o.queue as never, id);
    await until(o.queue, replay.id!, o.timeoutMs);
    const replayed = (
      (await o.queue.getJob(replay.id!)) as { returnvalue?: { processed?: number } }
    )?.returnvalue?.processed;
    const after = await effectCounts(pool, effects);
    let wrongAfterReplay = 0;
    for (let i = 1; i <= o.rows; i++) if (after.get(String(i)) !== 1) wrongAfterReplay++;
    const leftAfterReplay = (await getFailedItems(o.queue as never, id)).items.length;
    return {
      rows: o.rows,
      broken,
      kills,
      outages,
      deployed,
      duplicates,
      missing,
      brokenWithEffects,
      recorded,
      replayed: replayed ?? 0,
      leftAfterReplay,
      wrongAfterReplay,
      wallMs: Date.now() - started,
      notes,
    };
  } finally {
    for (const w of workers) w.kill('SIGKILL');
    await pool.query(`DROP TABLE IF EXISTS public.${table}, ${effects}`).catch(() => undefined);
    await pool.end();
  }
}

/** The table of rows 1..rows, `broken` of them spread over it with payload 'broken'. */
async function prepare(
  pool: pg.Pool,
  table: string,
  effects: string,
  rows: number,
  broken: number,
): Promise<string[]> {
  await pool.query(`CREATE TABLE public.${table} (id bigint PRIMARY KEY, payload text NOT NULL)`);
  await pool.query(
    `INSERT INTO public.${table} SELECT i, 'ok' FROM generate_series(1, $1::bigint) i`,
    [rows],
  );
  const ids = Array.from({ length: broken }, (_, i) =>
    String(Math.floor(((i + 0.5) * rows) / broken) + 1),
  );
  await pool.query(`UPDATE public.${table} SET payload = 'broken' WHERE id = ANY($1::bigint[])`, [
    ids,
  ]);
  await pool.query(`ANALYZE public.${table}`);
  // No unique constraint: a row applied twice shows as a second effect row.
  await pool.query(`CREATE TABLE ${effects} (id bigint NOT NULL)`);
  return ids;
}

/** `url` with an `application_name`, so the sessions of this scenario can be told apart. */
function named(url: string, app: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}application_name=${app}`;
}

/** Terminates the sessions of `app` (not the caller's): an outage of the data database. */
export async function terminateSessions(pool: pg.Pool, app: string): Promise<string> {
  const { rows } = await pool.query<{ n: string }>(
    `SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity
      WHERE application_name = $1 AND pid <> pg_backend_pid()`,
    [app],
  );
  return `terminated ${rows[0]!.n} sessions`;
}

async function effectCounts(pool: pg.Pool, effects: string): Promise<Map<string, number>> {
  const { rows } = await pool.query<{ id: string; n: string }>(
    `SELECT id, count(*) AS n FROM ${effects} GROUP BY id`,
  );
  return new Map(rows.map((r) => [String(r.id), Number(r.n)]));
}

async function startWorker(env: Record<string, string | number>, workers: Set<ChildProcess>) {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    env: {
      ...process.env,
      ...Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  workers.add(child);
  child.once('exit', () => workers.delete(child));
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on(
    'data',
    (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)),
  );
  const deadline = Date.now() + 60_000;
  while (!output.includes('ready')) {
    if (Date.now() > deadline || child.exitCode !== null) {
      throw new Error(`a flagship worker did not start:\n${output.slice(-2_000)}`);
    }
    await sleep(50);
  }
}

async function until(queue: FlagshipQueue, id: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await queue.getJobState(id);
    if (state === 'completed') return;
    if (state === 'failed') {
      throw new Error(`job ${id} failed: ${(await queue.getJob(id))?.failedReason}`);
    }
    if (Date.now() > deadline) throw new Error(`job ${id} is still ${state} after ${timeoutMs} ms`);
    await sleep(250);
  }
}
