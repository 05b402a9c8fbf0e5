// The connections a transactional run holds: a connection kept between items whose server session
// is terminated (pg_terminate_backend, idle_in_transaction_session_timeout) must not end the worker
// process, and the run goes on from its committed cursor without counting an attempt; on the
// embedded server, which runs one connection's transaction at a time, no connection is kept, so an
// enumerator reading through the same pool never waits for a transaction the run holds.
import pg from 'pg';
import { describe, expect, it } from 'vitest';

import type { BuildEnumeratorArgs } from '../../../src/index.js';
import { defineIterationJob, getRun, pgTransactions } from '../../../src/index.js';
import { backends } from '../../support/backends.js';
import { dataDb, duplicatesAndMissing } from '../../support/data-db.js';
import { completion, iterationWorker } from '../../support/iteration.js';
import { track } from '../../support/lifecycle.js';
import { uniqueQueueName } from '../../support/names.js';
import { pgliteUrl, postgresUrl } from '../../support/servers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Items 0..total-1, each after a pause: the kept connection sits idle in its transaction. */
function slowly(total: number, pauseMs: number) {
  return ({ cursor }: BuildEnumeratorArgs<object, number>) =>
    (async function* () {
      for (let i = cursor === null ? 0 : cursor + 1; i < total; i++) {
        await sleep(pauseMs);
        yield [i, i] as const;
      }
    })();
}

describe.each(backends.filter((b) => b.name !== 'pglite'))('kept sessions on $name', (b) => {
  it('pg_terminate_backend between items: the process lives, every item once, no attempt', async () => {
    const db = await dataDb(4);
    const queue = b.queue(uniqueQueueName('tx-terminate'));
    const job = defineIterationJob({
      name: 'tx-terminate',
      transactional: pgTransactions(db.pool, { schema: db.schema }),
      buildEnumerator: slowly(40, 20),
      async eachIteration(item, ctx) {
        await ctx.tx.query(`INSERT INTO ${db.effects} (item) VALUES ($1)`, [item]);
      },
    });
    const killer = new pg.Client({ connectionString: postgresUrl() });
    await killer.connect();
    const worker = iterationWorker(b, queue.name, [job], { transientRetryMs: 500 });
    let killed = 0;
    const kill = setInterval(() => {
      // Only the pool's connections kept idle inside a transaction: the one the run holds.
      void killer
        .query(
          `SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity
            WHERE state = 'idle in transaction' AND pid <> pg_backend_pid()
              AND query NOT ILIKE '%pg_stat_activity%'`,
        )
        .then(({ rows }) => (killed += rows.length))
        .catch(() => undefined);
    }, 60);
    try {
      const added = await job.enqueue(queue, {});
      await completion(worker, added.id!);
      expect(killed).toBeGreaterThan(0);
      expect(duplicatesAndMissing(await db.counts(), 40)).toEqual({ duplicates: 0, missing: [] });
      const run = await getRun(queue, added.id!);
      expect(run).toMatchObject({ status: 'completed', processed: 40, attemptsMade: 1 });
      expect(run.lastError).toBeUndefined();
    } finally {
      clearInterval(kill);
      await worker.close();
      await killer.end();
    }
  });

  it('idle_in_transaction_session_timeout shorter than the pause between items: the run goes on', async () => {
    const db = await dataDb(4);
    // The same tables, through a pool whose sessions the server ends after 30 ms idle in a transaction.
    const pool = new pg.Pool({
      connectionString: postgresUrl(),
      max: 4,
      options: '-c idle_in_transaction_session_timeout=30',
    });
    pool.on('error', () => {});
    track(pool, { name: 'timeout pool' });
    const queue = b.queue(uniqueQueueName('tx-idle-timeout'));
    const job = defineIterationJob({
      name: 'tx-idle-timeout',
      transactional: pgTransactions(pool, { schema: db.schema }),
      buildEnumerator: slowly(25, 60),
      async eachIteration(item, ctx) {
        await ctx.tx.query(`INSERT INTO ${db.effects} (item) VALUES ($1)`, [item]);
      },
    });
    const worker = iterationWorker(b, queue.name, [job], { transientRetryMs: 500 });
    try {
      const added = await job.enqueue(queue, {});
      await completion(worker, added.id!);
      expect(duplicatesAndMissing(await db.counts(), 25)).toEqual({ duplicates: 0, missing: [] });
      expect(await getRun(queue, added.id!)).toMatchObject({
        status: 'completed',
        attemptsMade: 1,
      });
    } finally {
      await worker.close();
    }
  });
});

describe('the embedded server as the data database', () => {
  const b = backends.find((backend) => backend.name === 'pglite')!;

  it('pgTransactions keeps no connection between items there: an enumerator on the same pool never waits', async () => {
    const pool = new pg.Pool({ connectionString: pgliteUrl(), max: 4 });
    pool.on('error', () => {});
    track(pool, { name: 'embedded data pool' });
    const table = `public."embedded_${uniqueQueueName('tx').replaceAll('-', '_')}"`;
    await pool.query(`CREATE TABLE ${table} (item int NOT NULL)`);
    const queue = b.queue(uniqueQueueName('tx-embedded'));
    const job = defineIterationJob({
      name: 'tx-embedded',
      transactional: pgTransactions(pool, { schema: 'bullmq_iteration_embedded' }),
      async *buildEnumerator({ cursor }: BuildEnumeratorArgs<object, number>) {
        for (let i = cursor === null ? 0 : cursor + 1; i < 20; i++) {
          // The next item comes from the same pool, as keysetBatches(pgQuery(pool)) reads it.
          const { rows } = await pool.query<{ n: number }>('SELECT $1::int AS n', [i]);
          yield [rows[0]!.n, i] as const;
        }
      },
      async eachIteration(item, ctx) {
        await ctx.tx.query(`INSERT INTO ${table} (item) VALUES ($1)`, [item]);
      },
    });
    const worker = iterationWorker(b, queue.name, [job]);
    try {
      const added = await job.enqueue(queue, {});
      expect(await completion(worker, added.id!)).toMatchObject({ processed: 20 });
      const { rows } = await pool.query<{ n: string; d: string }>(
        `SELECT count(*) AS n, count(DISTINCT item) AS d FROM ${table}`,
      );
      expect(rows[0]).toEqual({ n: '20', d: '20' });
    } finally {
      await worker.close();
    }
  });
});
