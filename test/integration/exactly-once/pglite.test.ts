// pgliteTransactions: the data in an in-process PGlite database (here with the queue on the
// embedded PGlite backend, a separate instance). Effects and cursor commit together, a failing
// item rolls back, misuse of ctx.tx is refused, a fenced-out run commits nothing.
import { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';

import type { BuildEnumeratorArgs } from '../../../src/index.js';
import { defineIterationJob, pgliteTransactions } from '../../../src/index.js';
import { backends } from '../../support/backends.js';
import { completion, iterationWorker, nextEvent } from '../../support/iteration.js';
import { track } from '../../support/lifecycle.js';
import { uniqueQueueName } from '../../support/names.js';

const b = backends.find((backend) => backend.name === 'pglite')!;

async function* upTo(total: number, { cursor }: BuildEnumeratorArgs<object, number>) {
  for (let i = cursor === null ? 0 : cursor + 1; i < total; i++) yield [i, i] as const;
}

async function database(): Promise<PGlite> {
  const db = track(await PGlite.create(), { name: 'pglite data db' });
  await db.exec('CREATE TABLE effects (item int NOT NULL)');
  return db;
}

async function counts(db: PGlite): Promise<number[]> {
  const { rows } = await db.query<{ item: number }>('SELECT item FROM effects ORDER BY item');
  return rows.map((r) => r.item);
}

describe('pgliteTransactions', () => {
  it('commits effects with the cursor; a failing item is rolled back and resumed at', async () => {
    const db = await database();
    const queue = b.queue(uniqueQueueName('pglite-tx'));
    let failures = 0;
    const job = defineIterationJob({
      name: 'pglite-effects',
      transactional: pgliteTransactions(db, { schema: 'jobs' }),
      buildEnumerator: (args: BuildEnumeratorArgs<object, number>) => upTo(20, args),
      async eachIteration(item, ctx) {
        await ctx.tx.query('INSERT INTO effects (item) VALUES ($1)', [item]);
        if (item === 12 && failures++ === 0) throw new Error('item 12 is flaky');
      },
    });
    const worker = iterationWorker(b, queue.name, [job]);
    try {
      const added = await job.enqueue(queue, {}, { attempts: 2 });
      expect(await completion(worker, added.id!)).toMatchObject({ processed: 20, cursor: 19 });
      expect(await counts(db)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      const { rows } = await db.query(
        'SELECT cursor, processed::int AS processed FROM jobs.iteration_cursor',
      );
      expect(rows).toEqual([{ cursor: 19, processed: 20 }]);
    } finally {
      await worker.close();
    }
  });

  it('BEGIN on ctx.tx, or its rollback(), fails the job and commits nothing of the item', async () => {
    for (const misuse of ['exec', 'rollback'] as const) {
      const db = await database();
      const queue = b.queue(uniqueQueueName('pglite-misuse'));
      const job = defineIterationJob({
        name: 'pglite-misuse',
        transactional: pgliteTransactions(db),
        buildEnumerator: (args: BuildEnumeratorArgs<object, number>) => upTo(3, args),
        async eachIteration(item, ctx) {
          await ctx.tx.query('INSERT INTO effects (item) VALUES ($1)', [item]);
          if (item !== 1) return;
          if (misuse === 'exec') await ctx.tx.exec('BEGIN');
          else await ctx.tx.rollback();
        },
      });
      const worker = iterationWorker(b, queue.name, [job]);
      try {
        const added = await job.enqueue(queue, {});
        await expect(completion(worker, added.id!)).rejects.toThrow(
          misuse === 'exec' ? /must not begin, commit or roll back/ : /ctx\.tx\.rollback\(\)/,
        );
        expect(await counts(db)).toEqual([0]);
      } finally {
        await worker.close();
      }
    }
  });

  it('a run fenced out by a newer claim rolls back its item and stops as lock-lost', async () => {
    const db = await database();
    const queue = b.queue(uniqueQueueName('pglite-fenced'));
    const job = defineIterationJob({
      name: 'pglite-fenced',
      transactional: pgliteTransactions(db),
      buildEnumerator: (args: BuildEnumeratorArgs<object, number>) => upTo(50, args),
      async eachIteration(item, ctx) {
        await ctx.tx.query('INSERT INTO effects (item) VALUES ($1)', [item]);
        // Inside the transaction (PGlite runs one at a time): as if another run claimed the job.
        if (item === 5) {
          await ctx.tx.query('UPDATE bullmq_iteration.iteration_cursor SET epoch = epoch + 1');
        }
      },
    });
    const worker = iterationWorker(b, queue.name, [job]);
    try {
      const lost = nextEvent(worker, 'iteration.lockLost');
      await job.enqueue(queue, {});
      await lost;
      expect(await counts(db)).toEqual([0, 1, 2, 3, 4]);
    } finally {
      await worker.close();
    }
  });
});
