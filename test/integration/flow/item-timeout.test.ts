// A deadline per item: ctx.signal aborts at itemTimeoutMs; an item that ignores it is abandoned
// itemTimeoutGraceMs later; either way the item fails with ItemTimeoutError, handled by the item
// policy (retried in place, or skipped and recorded), and the run goes on. Under `transactional`,
// a statement stuck in the item's transaction does not hold the run: its connection is dropped.
import { describe, expect, it } from 'vitest';

import type { BuildEnumeratorArgs } from '../../../src/index.js';
import {
  defineIterationJob,
  getFailedItems,
  ItemTimeoutError,
  pgTransactions,
  range,
} from '../../../src/index.js';
import { backends } from '../../support/backends.js';
import { dataDb } from '../../support/data-db.js';
import { completion, iterationWorker } from '../../support/iteration.js';
import { uniqueQueueName } from '../../support/names.js';

const numbers = ({ cursor }: BuildEnumeratorArgs<object, number>) => range({ to: 30, cursor });

describe.each(backends)('item timeouts on $name', (b) => {
  it('a hung item is abandoned and skipped; one that honours ctx.signal is retried in place', async () => {
    const queueName = uniqueQueueName('item-timeout');
    const queue = b.queue(queueName);
    const done: number[] = [];
    let slowTries = 0;
    const job = defineIterationJob({
      name: 'item-timeout',
      itemTimeoutMs: 200,
      itemTimeoutGraceMs: 100,
      buildEnumerator: numbers,
      async eachIteration(item, ctx) {
        // Hangs for good and ignores its signal: abandoned after the grace, every try.
        if (item === 7) await new Promise(() => {});
        // Slow the first time only, and gives up when its signal aborts.
        if (item === 12 && slowTries++ === 0) {
          await new Promise((resolve, reject) => {
            const timer = setTimeout(resolve, 10_000);
            ctx.signal.addEventListener('abort', () => {
              clearTimeout(timer);
              reject(ctx.signal.reason as Error);
            });
          });
        }
        done.push(item);
      },
      itemErrors: { retries: 1, retryDelayMs: 1, action: 'skip' },
    });
    const worker = iterationWorker(b, queueName, [job]);
    try {
      const added = await job.enqueue(queue, {});
      expect(await completion(worker, added.id!)).toMatchObject({ processed: 29, skipped: 1 });
      expect(done).toEqual([...Array(30).keys()].filter((i) => i !== 7));
      expect(slowTries).toBe(2);
      const { items } = await getFailedItems(queue, added.id!);
      expect(items).toHaveLength(1);
      expect(items[0]).toMatchObject({ item: '7', tries: 2, error: { name: 'ItemTimeoutError' } });
      expect(items[0]!.error.message).toMatch(/did not finish within itemTimeoutMs \(200 ms\)/);
    } finally {
      await worker.close();
    }
  });

  it('without an item policy, a timed-out item fails the attempt with ItemTimeoutError', async () => {
    const queueName = uniqueQueueName('item-timeout-fail');
    const queue = b.queue(queueName);
    const job = defineIterationJob({
      name: 'item-timeout-fail',
      itemTimeoutMs: 100,
      itemTimeoutGraceMs: 0,
      buildEnumerator: numbers,
      async eachIteration(item) {
        if (item === 3) await new Promise(() => {});
      },
    });
    const worker = iterationWorker(b, queueName, [job]);
    try {
      const added = await job.enqueue(queue, {});
      const error = await completion(worker, added.id!).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'ItemTimeoutError', timeoutMs: 100 });
      expect((await queue.getJob(added.id!))!.attemptsMade).toBe(1);
    } finally {
      await worker.close();
    }
  });
});

describe.each(backends.filter((b) => b.name !== 'pglite'))(
  'transactional item timeouts on $name',
  (b) => {
    it('a statement stuck in the transaction is dropped with its connection; the item is skipped', async () => {
      const db = await dataDb(4);
      const queueName = uniqueQueueName('item-timeout-tx');
      const queue = b.queue(queueName);
      const job = defineIterationJob({
        name: 'item-timeout-tx',
        itemTimeoutMs: 300,
        itemTimeoutGraceMs: 100,
        transactional: pgTransactions(db.pool, { schema: db.schema }),
        buildEnumerator: numbers,
        async eachIteration(item, ctx) {
          await ctx.tx.query(`INSERT INTO ${db.effects} (item) VALUES ($1)`, [item]);
          if (item === 5) await ctx.tx.query('SELECT pg_sleep(30)');
        },
        itemErrors: { retries: 0, action: 'skip' },
      });
      const worker = iterationWorker(b, queueName, [job]);
      try {
        const added = await job.enqueue(queue, {});
        expect(await completion(worker, added.id!)).toMatchObject({ processed: 29, skipped: 1 });
        const counts = await db.counts();
        expect(counts.get(5)).toBeUndefined();
        expect([...counts.values()].every((n) => n === 1)).toBe(true);
        expect(counts.size).toBe(29);
        const { items } = await getFailedItems(queue, added.id!);
        expect(items.map((f) => [f.item, f.error.name])).toEqual([['5', ItemTimeoutError.name]]);
        // The stuck session is gone from the server, not left sleeping in an open transaction.
        const { rows } = await db.pool.query<{ n: string }>(
          "SELECT count(*) AS n FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)'",
        );
        expect(Number(rows[0]!.n)).toBe(0);
      } finally {
        await worker.close();
      }
    });
  },
);
