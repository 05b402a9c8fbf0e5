// Exactly-once cost: a transactional job (queue on Redis, data in PostgreSQL) against bare loops
// doing the same work in transactions of their own, with the same statement: one transaction per
// item, and one per batch of 100. Each pair runs side by side in one process, best round kept.
import type { Pool, PoolClient } from 'pg';
import pg from 'pg';
import { pino } from 'pino';

import type { BuildEnumeratorArgs } from '../src/index.js';
import { defineIterationJob, IterationWorker, pgTransactions } from '../src/index.js';
import type { BackendTarget } from './runtime.js';

export interface TransactionalResult {
  readonly name: string;
  readonly items: number;
  readonly perSecond: number;
  /** Items per second over the bare loop's, for the transactional rows. */
  readonly ratio?: number;
}

const logger = pino({ level: 'silent' });
const TABLE = 'bench_tx_effects';
const INSERT_ONE = `INSERT INTO ${TABLE} (item) VALUES ($1)`;
const INSERT_MANY = `INSERT INTO ${TABLE} (item) SELECT unnest($1::int[])`;

async function* chunks(from: number, to: number, size: number) {
  for (let i = from; i < to; i += size) {
    const chunk = range(i, Math.min(i + size, to));
    yield [chunk, chunk[chunk.length - 1]!] as const;
  }
}

/** One transaction per item (or batch) on a pooled connection, as a hand-written loop would. */
async function bare(pool: Pool, items: number, batch: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < items; i += batch) {
    const client: PoolClient = await pool.connect();
    await client.query('BEGIN');
    if (batch === 1) await client.query(INSERT_ONE, [i]);
    else await client.query(INSERT_MANY, [range(i, Math.min(i + batch, items))]);
    await client.query('COMMIT');
    client.release();
  }
  return (performance.now() - started) / 1000;
}

/** The same statements in a transactional iteration job, timed from its first item to its last. */
async function transactional(
  target: BackendTarget,
  pool: Pool,
  items: number,
  batch: number,
  preparedStatements = true,
): Promise<number> {
  let first = 0;
  let last = 0;
  const adapter = pgTransactions(pool, { schema: 'bench_tx', preparedStatements });
  const job = defineIterationJob({
    name: `bench-tx-${batch}`,
    transactional: adapter,
    // Whole batches per pull, built as the bare loop builds them (a page of rows, as
    // keysetBatches would read): what is compared is the transactions, not an enumerator.
    buildEnumerator: ({ cursor }: BuildEnumeratorArgs<object, number>) =>
      chunks(cursor === null ? 0 : cursor + 1, items, batch),
    async eachIteration(group: number[], ctx) {
      if (group[0] === 0) first = performance.now();
      if (batch === 1) await ctx.tx.query(INSERT_ONE, [group[0]]);
      else await ctx.tx.query(INSERT_MANY, [group]);
      if (group[group.length - 1] === items - 1) last = performance.now();
    },
  });
  await adapter.migrate();
  const queueName = `bench-tx-${batch}-${Date.now()}`;
  const { Queue } = await import('bullmq');
  const queue = new Queue(queueName, { connection: target.connection } as never);
  const worker = new IterationWorker(queueName, [job], {
    connection: target.connection,
    logger,
    handleSignals: false,
  } as never);
  try {
    const done = new Promise<void>((resolve, reject) => {
      worker.once('iteration.completed', () => resolve());
      worker.once('iteration.failed', (e) => reject(e.error));
    });
    await job.enqueue(queue, {});
    await done;
    return (last - first) / 1000;
  } finally {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, k) => from + k);
}

export async function benchmarkTransactional(
  redis: BackendTarget,
  postgresUrl: string,
  sizes: { readonly perItem: number; readonly batched: number },
  rounds: number,
  onProgress: (line: string) => void,
): Promise<TransactionalResult[]> {
  const pool = new pg.Pool({ connectionString: postgresUrl, max: 4 });
  pool.on('error', (err) => console.error('idle PostgreSQL client failed', err));
  await pool.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (item int NOT NULL)`);
  // [name, items, run, the bare loop it is compared with (none for a bare loop)]
  const variants: [string, number, () => Promise<number>, string?][] = [
    ['bare loop, one transaction per item', sizes.perItem, () => bare(pool, sizes.perItem, 1)],
    [
      'transactional job, per item',
      sizes.perItem,
      () => transactional(redis, pool, sizes.perItem, 1),
      'bare loop, one transaction per item',
    ],
    [
      'transactional job, per item, `preparedStatements: false`',
      sizes.perItem,
      () => transactional(redis, pool, sizes.perItem, 1, false),
      'bare loop, one transaction per item',
    ],
    [
      'bare loop, one transaction per batch of 100',
      sizes.batched,
      () => bare(pool, sizes.batched, 100),
    ],
    [
      'transactional job, batches of 100',
      sizes.batched,
      () => transactional(redis, pool, sizes.batched, 100),
      'bare loop, one transaction per batch of 100',
    ],
    [
      'transactional job, batches of 100, `preparedStatements: false`',
      sizes.batched,
      () => transactional(redis, pool, sizes.batched, 100, false),
      'bare loop, one transaction per batch of 100',
    ],
  ];
  const best = new Map<string, number>();
  try {
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? variants : [...variants].reverse();
      for (const [name, , run] of order) {
        onProgress(`exactly-once: round ${round + 1}/${rounds}, ${name}`);
        await pool.query(`TRUNCATE ${TABLE}`);
        best.set(name, Math.min(best.get(name) ?? Infinity, await run()));
      }
    }
  } finally {
    await pool.end();
  }
  const perSecond = (name: string) => variants.find(([n]) => n === name)![1] / best.get(name)!;
  return variants.map(([name, items, , baseline]) =>
    baseline === undefined
      ? { name, items, perSecond: perSecond(name) }
      : { name, items, perSecond: perSecond(name), ratio: perSecond(name) / perSecond(baseline) },
  );
}

/** The section of docs/benchmarks.md. */
export function renderTransactional(results: readonly TransactionalResult[]): string[] {
  const rate = (n: number) => Math.round(n).toLocaleString('en-US');
  return [
    '## Exactly-once: transactional jobs against bare transaction loops',
    '',
    "Each item inserts one row into a PostgreSQL table. The bare loops check a connection out of a `pg` pool, run `BEGIN`, the insert and `COMMIT`, and release it: once per item, or once per batch of 100 items with one `INSERT … SELECT unnest($1)`. The transactional rows run the same statement through `ctx.tx` in an iteration job (`transactional: pgTransactions(pool)`, queue on Redis), which adds the fenced cursor `UPDATE` to every transaction, prepared once per connection and sent pipelined with the `COMMIT` and the next item's `BEGIN` on a connection the run keeps (so an item costs two round trips to the bare loop's three); they are timed inside the job from its first item to its last. The `preparedStatements: false` rows send the fence unprepared, so the server parses and plans it in every transaction (the behaviour before it was prepared, and the setting for poolers that drop prepared statements). The ratio is items per second over the bare loop's; all rows are measured in the same run, in alternating order, best of the rounds.",
    '',
    '| variant | items | items/s | vs bare loop |',
    '|---|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.name} | ${rate(r.items)} | ${rate(r.perSecond)} | ${r.ratio === undefined ? '(baseline)' : `${r.ratio.toFixed(2)}×`} |`,
    ),
    '',
  ];
}
