// How transactional items use the pool's connections: the commit opens the next item's
// transaction on the same connection (one round trip for cursor, COMMIT and BEGIN), keeps it only
// while the pool has another to spare, and leaves none inside a transaction when the run ends.
import type pg from 'pg';
import { describe, expect, it } from 'vitest';

import type { BuildEnumeratorArgs } from '../../../src/index.js';
import { defineIterationJob, pgTransactions } from '../../../src/index.js';
import { backends } from '../../support/backends.js';
import { dataDb, duplicatesAndMissing } from '../../support/data-db.js';
import { completion, iterationWorker } from '../../support/iteration.js';
import { uniqueQueueName } from '../../support/names.js';

const b = backends.find((backend) => backend.name === 'redis')!;

/** Counts the pool's checkouts. */
function countConnects(pool: pg.Pool): { readonly count: () => number } {
  let count = 0;
  // pool.query checks out through connect(callback): every form is passed on.
  const connect = pool.connect.bind(pool) as (...args: unknown[]) => unknown;
  (pool as unknown as { connect: (...args: unknown[]) => unknown }).connect = (...args) => {
    count++;
    return connect(...args);
  };
  return { count: () => count };
}

describe('transactional connections (pg)', () => {
  it('keeps one connection for a run: far fewer checkouts than items, none left in a transaction', async () => {
    const db = await dataDb(4);
    const connects = countConnects(db.pool);
    const queue = b.queue(uniqueQueueName('tx-ahead'));
    const job = defineIterationJob({
      name: 'tx-ahead',
      transactional: pgTransactions(db.pool, { schema: db.schema }),
      async *buildEnumerator({ cursor }: BuildEnumeratorArgs<object, number>) {
        for (let i = cursor === null ? 0 : cursor + 1; i < 200; i++) yield [i, i] as const;
      },
      async eachIteration(item, ctx) {
        await ctx.tx.query(`INSERT INTO ${db.effects} (item) VALUES ($1)`, [item]);
      },
    });
    const worker = iterationWorker(b, queue.name, [job]);
    try {
      const added = await job.enqueue(queue, {});
      expect(await completion(worker, added.id!)).toMatchObject({ processed: 200 });
      expect(duplicatesAndMissing(await db.counts(), 200)).toEqual({ duplicates: 0, missing: [] });
      // Checkouts: the table check, the claim, the first BEGIN; not one per item.
      expect(connects.count()).toBeLessThan(10);
      // The transaction opened ahead of an item that never came was rolled back and given back.
      expect(db.pool.idleCount).toBe(db.pool.totalCount);
      const { rows } = await db.pool.query<{ state: string }>(
        'SELECT state FROM pg_stat_activity WHERE pid = ANY($1::int[])',
        [await backendPids(db.pool)],
      );
      expect(rows.filter((r) => r.state.startsWith('idle in transaction'))).toEqual([]);
    } finally {
      await worker.close();
    }
  });

  it('with one connection in the pool and the enumerator reading through it, gives it back after each item', async () => {
    const db = await dataDb(1);
    const connects = countConnects(db.pool);
    const queue = b.queue(uniqueQueueName('tx-ahead-1'));
    const job = defineIterationJob({
      name: 'tx-ahead-single',
      transactional: pgTransactions(db.pool, { schema: db.schema }),
      async *buildEnumerator({ cursor }: BuildEnumeratorArgs<object, number>) {
        for (let i = cursor === null ? 0 : cursor + 1; i < 30; i++) {
          // The next item comes from the same pool, as keysetBatches(pgQuery(pool)) reads it.
          const { rows } = await db.pool.query<{ n: number }>('SELECT $1::int AS n', [i]);
          yield [rows[0]!.n, i] as const;
        }
      },
      async eachIteration(item, ctx) {
        await ctx.tx.query(`INSERT INTO ${db.effects} (item) VALUES ($1)`, [item]);
      },
    });
    const worker = iterationWorker(b, queue.name, [job]);
    try {
      const added = await job.enqueue(queue, {});
      expect(await completion(worker, added.id!)).toMatchObject({ processed: 30 });
      expect(duplicatesAndMissing(await db.counts(), 30)).toEqual({ duplicates: 0, missing: [] });
      expect(connects.count()).toBeGreaterThanOrEqual(60);
    } finally {
      await worker.close();
    }
  });
});

/** The server pids of every connection the pool holds (checked out one by one, all idle). */
async function backendPids(pool: pg.Pool): Promise<number[]> {
  const clients = await Promise.all(Array.from({ length: pool.totalCount }, () => pool.connect()));
  try {
    return clients.map((c) => (c as unknown as { processID: number }).processID);
  } finally {
    for (const c of clients) c.release();
  }
}
