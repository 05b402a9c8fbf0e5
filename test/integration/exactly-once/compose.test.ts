// Transactional items meet the other features: batches and groups count rows after a resume,
// steps fence their own cursors, poison items are rolled back and recorded in the same commit
// as the cursor past them (then replayed exactly once), and a group with a poison item commits
// its good items once.
import { describe, expect, it } from 'vitest';

import type { BuildEnumeratorArgs, IterationWorker } from '../../../src/index.js';
import {
  batches,
  defineIterationJob,
  getFailedItems,
  getRun,
  pgTransactions,
  range,
  retryFailedItems,
} from '../../../src/index.js';
import { backends } from '../../support/backends.js';
import { dataDb, duplicatesAndMissing } from '../../support/data-db.js';
import { completion, eventually, iterationWorker, summaryOf } from '../../support/iteration.js';
import { uniqueQueueName } from '../../support/names.js';

/** The row the data database holds for a job: cursor, rows processed and extras. */
async function fenceRow(db: Awaited<ReturnType<typeof dataDb>>, queue: string, id: string) {
  const { rows } = await db.pool.query<{ cursor: unknown; processed: number; extras: unknown }>(
    `SELECT cursor, processed::int AS processed, extras
       FROM "${db.schema}".iteration_cursor WHERE queue = $1 AND job_id = $2`,
    [queue, id],
  );
  return rows[0];
}

/** Waits for `count` items, closes `worker` (a deploy) and returns a fresh one on the queue. */
async function deployAfter(
  worker: IterationWorker,
  done: () => number,
  count: number,
  next: () => IterationWorker,
): Promise<IterationWorker> {
  await eventually(() => (done() >= count ? true : undefined), `${count} items`);
  await worker.close();
  return next();
}

describe.each(backends)('transactional items composed on $name', (b) => {
  it('batches and groups count rows across a resume: summary, status and the fence agree', async () => {
    for (const itemsPerTransaction of [1, 3]) {
      const db = await dataDb();
      const queueName = uniqueQueueName('tx-rows');
      const queue = b.queue(queueName);
      let effects = 0;
      const job = defineIterationJob({
        name: 'tx-batches',
        transactional: pgTransactions(db.pool, { schema: db.schema, itemsPerTransaction }),
        buildEnumerator: ({ cursor }: BuildEnumeratorArgs<object, number>) =>
          batches(range({ to: 1_000, cursor }), 25),
        async eachIteration(batch, ctx) {
          for (const item of batch) {
            await ctx.tx.query(`INSERT INTO ${db.effects} (item) VALUES ($1)`, [item]);
          }
          effects += batch.length;
          await new Promise((resolve) => setTimeout(resolve, 2));
        },
      });
      const make = () => iterationWorker(b, queueName, [job], { progressIntervalMs: 50 });
      let worker = make();
      try {
        const added = await job.enqueue(queue, {});
        worker = await deployAfter(worker, () => effects, 300, make);
        expect(await completion(worker, added.id!)).toMatchObject({
          processed: 1_000,
          timesInterrupted: 1,
        });
        expect(duplicatesAndMissing(await db.counts(), 1_000)).toEqual({
          duplicates: 0,
          missing: [],
        });
        expect(await fenceRow(db, queueName, added.id!)).toMatchObject({ processed: 1_000 });
        expect(await getRun(queue, added.id!)).toMatchObject({
          status: 'completed',
          processed: 1_000,
          total: 1_000,
          percentage: 100,
        });
      } finally {
        await worker.close();
      }
    }
  });

  it('a job made of steps fences each step: a deploy in the second step redoes nothing', async () => {
    const db = await dataDb();
    await db.pool.query(`ALTER TABLE ${db.effects} ADD COLUMN step text`);
    const queueName = uniqueQueueName('tx-steps');
    const queue = b.queue(queueName);
    let done = 0;
    const insert = (step: string) => async (item: unknown, ctx: { tx: unknown }) => {
      const tx = ctx.tx as { query(text: string, values: unknown[]): Promise<unknown> };
      await tx.query(`INSERT INTO ${db.effects} (item, step) VALUES ($1, $2)`, [item, step]);
      done++;
      await new Promise((resolve) => setTimeout(resolve, 1));
    };
    const job = defineIterationJob({
      name: 'tx-steps',
      transactional: pgTransactions(db.pool, { schema: db.schema }),
      steps: [
        {
          name: 'first',
          buildEnumerator: ({ cursor }) => range({ to: 200, cursor }),
          eachIteration: insert('first'),
        },
        { name: 'between', run: () => {} },
        {
          name: 'second',
          buildEnumerator: ({ cursor }) => range({ to: 300, cursor }),
          eachIteration: insert('second'),
        },
      ],
    });
    const make = () => iterationWorker(b, queueName, [job]);
    let worker = make();
    try {
      const added = await job.enqueue(queue, {});
      worker = await deployAfter(worker, () => done, 350, make);
      expect(await completion(worker, added.id!)).toMatchObject({ processed: 500 });
      const { rows } = await db.pool.query<{ step: string; n: string; d: string }>(
        `SELECT step, count(*) AS n, count(DISTINCT item) AS d FROM ${db.effects} GROUP BY step ORDER BY step`,
      );
      expect(rows).toEqual([
        { step: 'first', n: '200', d: '200' },
        { step: 'second', n: '300', d: '300' },
      ]);
      expect(await fenceRow(db, queueName, added.id!)).toMatchObject({
        processed: 500,
        extras: { step: { name: 'second', index: 2, count: 3 } },
      });
    } finally {
      await worker.close();
    }
  });

  it('poison items roll back, are recorded with the cursor past them, and replay exactly once', async () => {
    for (const itemsPerTransaction of [1, 4]) {
      const db = await dataDb();
      const queueName = uniqueQueueName('tx-poison');
      const queue = b.queue(queueName);
      const broken = new Set([5, 22, 23, 61]);
      let flaky = 0;
      const job = defineIterationJob({
        name: 'tx-poison',
        transactional: pgTransactions(db.pool, { schema: db.schema, itemsPerTransaction }),
        buildEnumerator: ({ cursor }: BuildEnumeratorArgs<object, number>) =>
          range({ to: 80, cursor }),
        async eachIteration(item, ctx) {
          await ctx.tx.query(`INSERT INTO ${db.effects} (item) VALUES ($1)`, [item]);
          if (broken.has(item)) throw new Error(`row ${item} is broken`);
          // Item 40 fails once, then succeeds when tried again in place.
          if (item === 40 && flaky++ === 0) throw new Error('row 40 is flaky');
        },
        itemErrors: { retries: 1, retryDelayMs: 1, action: 'skip' },
      });
      const worker = iterationWorker(b, queueName, [job]);
      try {
        const added = await job.enqueue(queue, {});
        expect(await completion(worker, added.id!)).toMatchObject({ processed: 76, skipped: 4 });
        const counts = await db.counts();
        // The poison rows' inserts were rolled back with them; every other row is there once.
        expect([...broken].map((i) => counts.get(i) ?? 0)).toEqual([0, 0, 0, 0]);
        const good = [...Array(80).keys()].filter((i) => !broken.has(i));
        expect(good.filter((i) => counts.get(i) !== 1)).toEqual([]);
        // Recorded in the data database with the cursor past them, each once.
        const row = await fenceRow(db, queueName, added.id!);
        expect(row).toMatchObject({ processed: 76, extras: { skipped: 4 } });
        const recorded = (row!.extras as { failedItems: { item: string }[] }).failedItems;
        expect(recorded.map((f) => f.item)).toEqual(['5', '22', '23', '61']);
        const listed = await getFailedItems(queue, added.id!);
        expect(listed.items.map((f) => f.item)).toEqual(['5', '22', '23', '61']);
        // The cause is fixed: the replay commits exactly the poison rows and empties the list.
        broken.clear();
        const replay = await retryFailedItems(queue as never, added.id!);
        expect(await summaryOf(queue as never, replay.id!)).toMatchObject({ processed: 4 });
        const after = await db.counts();
        expect(duplicatesAndMissing(after, 80)).toEqual({ duplicates: 0, missing: [] });
        expect((await getFailedItems(queue, added.id!)).items).toEqual([]);
      } finally {
        await worker.close();
      }
    }
  });
});
