// The workload of the fan-out benchmark, shared by the benchmark (which fills the table and
// enqueues) and its worker processes (which run it): one keyset backfill over TABLE, each row
// awaiting a timer of IO_MS as a row that waits on a remote call would, written two ways:
//   - `backfillRun`: one iteration run of PARTITIONS keyset partitions, library defaults;
//   - `processBatch`: the fan-out pattern, one plain BullMQ job per BATCH_ROWS ids, which reads its
//     range by keyset pages and completes.
// Both read pages of PAGE_ROWS rows through the same counted query function, so the statements
// each issues to the data database can be compared.
import { appendFileSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import type { Job } from 'bullmq';
import pg from 'pg';

import type {
  BuildEnumeratorArgs,
  KeysetCursor,
  KeysetPartition,
  QueryFunction,
} from '../src/index.js';
import { defineIterationJob, keyset, keysetPartitions, pgQuery } from '../src/index.js';

export const TABLE = 'bench_fanout_rows';
export const IO_MS = 1;
/** Rows per fan-out job: the batch a crash makes the fan-out pattern redo, whole. */
export const BATCH_ROWS = 1_000;
/** Rows per keyset statement, in both variants (the keyset enumerator's default is 100). */
export const PAGE_ROWS = 1_000;
export const PARTITIONS = 16;
/** Worker processes; each runs PARTITIONS / PROCESSES jobs at a time, in both variants. */
export const PROCESSES = 4;
export const CONCURRENCY = PARTITIONS / PROCESSES;

export const RUN_JOB = 'bench-fanout-run';
export const BATCH_JOB = 'bench-fanout-batch';

export type Variant = 'run' | 'batches';

type Row = { id: string };

/** What a worker process counts as it goes: rows done and statements sent to the data database. */
export const counts = { rows: 0, statements: 0 };

let query: QueryFunction | undefined;

/**
 * The data database of this process (DATA_URL), opened on first use: the benchmark's own process
 * only enqueues and never calls it. Every statement the jobs send goes through this counter.
 */
function data(): QueryFunction {
  if (query !== undefined) return query;
  const pool = new pg.Pool({ connectionString: process.env.DATA_URL });
  // An idle connection the server drops must not end the worker process (pg-pool emits 'error').
  pool.on('error', (error) => console.error(`data pool: ${error.message}`));
  const inner = pgQuery(pool);
  query = (text, values) => {
    counts.statements++;
    return inner(text, values);
  };
  return query;
}

let recordFd: number | undefined;

/**
 * One row's work: the simulated I/O, then, in a crash round (OUT_DIR set), its id appended to
 * this process's file. A synchronous append reaches the kernel before the next row starts, so
 * the record survives a SIGKILL; a row whose timer was still running is not recorded, as it was
 * not processed.
 */
async function processRow(id: string): Promise<void> {
  await sleep(IO_MS);
  counts.rows++;
  const dir = process.env.OUT_DIR;
  if (dir === undefined) return;
  recordFd ??= openSync(join(dir, `rows-${process.pid}.txt`), 'a');
  appendFileSync(recordFd, `${id}\n`);
}

export interface RunParams {
  readonly partitions: number;
}

/** The library's way: one run, its partitions planned from the table's keys. */
export const backfillRun = defineIterationJob({
  name: RUN_JOB,
  partitions: ({ params }: { params: RunParams }) =>
    keysetPartitions({ query: data(), table: TABLE, columns: ['id'], count: params.partitions }),
  buildEnumerator: ({
    cursor,
    partition,
  }: BuildEnumeratorArgs<RunParams, KeysetCursor, KeysetPartition>) =>
    keyset<Row>({
      query: data(),
      table: TABLE,
      columns: ['id'],
      ...partition,
      batchSize: PAGE_ROWS,
      cursor,
    }),
  eachIteration: (row: Row) => processRow(row.id),
});

export interface BatchData {
  /** Ids after this one… */
  readonly after: number;
  /** …up to and including this one. */
  readonly until: number;
}

/** The fan-out pattern's jobs over ids 1..rows: one per BATCH_ROWS ids, enqueued at once. */
export function batchJobs(rows: number): { name: string; data: BatchData }[] {
  return Array.from({ length: Math.ceil(rows / BATCH_ROWS) }, (_, i) => ({
    name: BATCH_JOB,
    data: { after: i * BATCH_ROWS, until: Math.min(rows, (i + 1) * BATCH_ROWS) },
  }));
}

/**
 * A fan-out job: reads its range by keyset pages and does every row. It has no cursor: after a
 * crash it starts again at the top of its range, which is the pattern's redo window.
 */
export async function processBatch(job: Job<BatchData>): Promise<number> {
  const { until } = job.data;
  let after = job.data.after;
  let done = 0;
  for (;;) {
    const { rows } = await data()(
      `SELECT * FROM ${TABLE} WHERE id > $1 AND id <= $2 ORDER BY id LIMIT $3`,
      [after, until, PAGE_ROWS],
    );
    for (const row of rows as Row[]) await processRow(row.id);
    done += rows.length;
    // A short page, or one that reached the upper bound, is the last: no statement to learn it.
    const last = rows.length === 0 ? until : Number((rows[rows.length - 1] as Row).id);
    if (rows.length < PAGE_ROWS || last >= until) return done;
    after = last;
  }
}

/** Creates TABLE with ids 1..rows (kept when it already holds exactly those), analyzed. */
export async function prepareTable(url: string, rows: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows: found } = await client
      .query<{ n: string; top: string | null }>(
        `SELECT count(*) AS n, max(id) AS top FROM ${TABLE}`,
      )
      .catch(() => ({ rows: [] as { n: string; top: string | null }[] }));
    if (Number(found[0]?.n) === rows && Number(found[0]?.top) === rows) return;
    await client.query(`DROP TABLE IF EXISTS ${TABLE}`);
    await client.query(`CREATE TABLE ${TABLE} (id bigint PRIMARY KEY, payload text NOT NULL)`);
    await client.query(
      `INSERT INTO ${TABLE} SELECT i, md5(i::text) FROM generate_series(1, $1::int8) AS i`,
      [rows],
    );
    // Statistics for keysetPartitions' sample and the enumerator's size estimate.
    await client.query(`VACUUM ANALYZE ${TABLE}`);
  } finally {
    await client.end();
  }
}
