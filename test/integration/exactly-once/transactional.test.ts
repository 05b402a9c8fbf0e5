// Transactional mode on every queue backend, with the data in PostgreSQL (the queue's own
// database on the PostgreSQL backend): effects and cursor commit together, a failing item
// rolls back, a run fenced out by a newer claim commits nothing, and ctx.idempotencyKey is stable.
import { describe, expect, it } from 'vitest';

import type { BuildEnumeratorArgs } from '../../../src/index.js';
import { defineIterationJob, pgTransactions } from '../../../src/index.js';
import { backends } from '../../support/backends.js';
import { dataDb, duplicatesAndMissing } from '../../support/data-db.js';
import { completion, iterationWorker, nextEvent } from '../../support/iteration.js';
import { uniqueQueueName } from '../../support/names.js';

function numbers({ cursor }: BuildEnumeratorArgs<object, number>, total: number) {
  return (async function* () {
    for (let i = cursor === null ? 0 : cursor + 1; i < total; i++) yield [i, i] as const;
  })();
}

describe.each(backends)('transactional on $name', (b) => {
  it('commits each effect with its cursor; the checkpoint table holds the last', async () => {
    const db = await dataDb();
    const queue = b.queue(uniqueQueueName('tx-basic'));
    const keys: string[] = [];
    const job = defineIterationJob({
      name: 'insert-rows',
      transactional: pgTransactions(db.pool, { schema: db.schema }),
      buildEnumerator: (args: BuildEnumeratorArgs<object, number>) => numbers(args, 40),
      async eachIteration(item, ctx) {
        keys.push(ctx.idempotencyKey);
        await ctx.tx.query(`INSERT INTO ${db.effects} (item) VALUES ($1)`, [item]);
      },
    });
    const worker = iterationWorker(b, queue.name, [job]);
    try {
      const added = await job.enqueue(queue, {});
      expect(await completion(worker, added.id!)).toMatchObject({ processed: 40, cursor: 39 });
      expect(duplicatesAndMissing(await db.counts(), 40)).toEqual({ duplicates: 0, missing: [] });
      const { rows } = await db.pool.query(
        `SELECT cursor, processed::int AS processed, epoch::int AS epoch
           FROM "${db.schema}".iteration_cursor WHERE queue = $1 AND job_id = $2`,
        [queue.name, added.id],
      );
      expect(rows).toEqual([{ cursor: 39, processed: 40, epoch: 1 }]);
      expect(keys.slice(0, 3)).toEqual([`${added.id}:0`, `${added.id}:1`, `${added.id}:2`]);
    } finally {
      await worker.close();
    }
  });

  it('a failing item rolls back its effects and cursor; the retry resumes at that item', async () => {
    const db = await dataDb();
    const queue = b.queue(uniqueQueueName('tx-rollback'));
    let failures = 0;
    const tries: number[] = [];
    const job = defineIterationJob({
      name: 'fails-once',
      transactional: pgTransactions(db.pool, { schema: db.schema }),
      buildEnumerator: (args: BuildEnumeratorArgs<object, number>) => numbers(args, 30),
      async eachIteration(item, ctx) {
        tries.push(item);
        await ctx.tx.query(`INSERT INTO ${db.effects} (item) VALUES ($1)`, [item]);
        if (item === 17 && failures++ === 0) throw new Error('item 17 is flaky');
      },
    });
    const worker = iterationWorker(b, queue.name, [job]);
    try {
      const added = await job.enqueue(queue, {}, { attempts: 2 });
      await completion(worker, added.id!);
      // 17 ran twice, but its first insert was rolled back with the failure.
      expect(tries.filter((i) => i === 17)).toHaveLength(2);
      expect(duplicatesAndMissing(await db.counts(), 30)).toEqual({ duplicates: 0, missing: [] });
    } finally {
      await worker.close();
    }
  });

  it('a run fenced out by a newer claim rolls back its item and stops as lock-lost', async () => {
    const db = await dataDb();
    const queue = b.queue(uniqueQueueName('tx-fenced'));
    const table = `"${db.schema}".iteration_cursor`;
    const job = defineIterationJob({
      name: 'fenced',
      transactional: pgTransactions(db.pool, { schema: db.schema }),
      buildEnumerator: (args: BuildEnumeratorArgs<object, number>) => numbers(args, 100),
      async eachIteration(item, ctx) {
        await ctx.tx.query(`INSERT INTO ${db.effects} (item) VALUES ($1)`, [item]);
        // Another run takes the job in the data database while this item is in flight.
        if (item === 10) await db.pool.query(`UPDATE ${table} SET epoch = epoch + 1`);
      },
    });
    const worker = iterationWorker(b, queue.name, [job]);
    try {
      const lost = nextEvent(worker, 'iteration.lockLost');
      await job.enqueue(queue, {});
      await lost;
      const counts = await db.counts();
      // Items 0..9 committed; item 10's insert was rolled back with its refused cursor.
      expect(duplicatesAndMissing(counts, 10)).toEqual({ duplicates: 0, missing: [] });
      expect(counts.has(10)).toBe(false);
      const { rows } = await db.pool.query(`SELECT cursor FROM ${table}`);
      expect(rows).toEqual([{ cursor: 9 }]);
    } finally {
      await worker.close();
    }
  });
});
