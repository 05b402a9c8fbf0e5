// Serialization failures and deadlocks: the item's transaction is rolled back and run again with
// backoff, a bounded number of times; past the bound the attempt fails and its retry resumes at
// the item.
import { describe, expect, it } from 'vitest';

import type { BuildEnumeratorArgs } from '../../../src/index.js';
import { defineIterationJob, pgTransactions } from '../../../src/index.js';
import { backendByName } from '../../support/backends.js';
import { type DataDb, dataDb } from '../../support/data-db.js';
import { completion, iterationWorker } from '../../support/iteration.js';
import { uniqueQueueName } from '../../support/names.js';

const b = backendByName('redis');

async function* upTo(total: number, { cursor }: BuildEnumeratorArgs<object, number>) {
  for (let i = cursor === null ? 0 : cursor + 1; i < total; i++) yield [i, i] as const;
}

/**
 * A job whose item 2 reads a counter row under REPEATABLE READ, lets another connection update
 * and commit it, then updates it itself: a real serialization failure (40001), `conflicts` times.
 */
async function conflicting(db: DataDb, conflicts: number, conflictRetries: number) {
  await db.pool.query(`CREATE TABLE "${db.schema}_counter" (id int PRIMARY KEY, n int)`);
  await db.pool.query(`INSERT INTO "${db.schema}_counter" VALUES (1, 0)`);
  let tries = 0;
  const job = defineIterationJob({
    name: 'conflicts',
    transactional: pgTransactions(db.pool, {
      schema: db.schema,
      isolation: 'repeatable read',
      conflictRetries,
      conflictRetryDelayMs: 5,
    }),
    buildEnumerator: (args: BuildEnumeratorArgs<object, number>) => upTo(4, args),
    async eachIteration(item, ctx) {
      await ctx.tx.query(`INSERT INTO ${db.effects} (item) VALUES ($1)`, [item]);
      if (item !== 2) return;
      tries++;
      await ctx.tx.query(`SELECT n FROM "${db.schema}_counter" WHERE id = 1`);
      if (tries <= conflicts) {
        await db.pool.query(`UPDATE "${db.schema}_counter" SET n = n + 100 WHERE id = 1`);
      }
      await ctx.tx.query(`UPDATE "${db.schema}_counter" SET n = n + 1 WHERE id = 1`);
    },
  });
  return { job, tries: () => tries };
}

describe('conflicts in the item transaction', () => {
  it('a serialization failure is rolled back and retried in place until it passes', async () => {
    const db = await dataDb();
    const queue = b.queue(uniqueQueueName('tx-40001'));
    const { job, tries } = await conflicting(db, 2, 5);
    const worker = iterationWorker(b, queue.name, [job]);
    try {
      const added = await job.enqueue(queue, {});
      await completion(worker, added.id!);
      expect(tries()).toBe(3);
      // The two failed tries left nothing: one row per item, the counter moved once by the job.
      expect([...(await db.counts()).entries()].sort()).toEqual([
        [0, 1],
        [1, 1],
        [2, 1],
        [3, 1],
      ]);
      const { rows } = await db.pool.query(`SELECT n FROM "${db.schema}_counter"`);
      expect(rows).toEqual([{ n: 201 }]);
      expect((await queue.getJob(added.id!))!.attemptsMade).toBe(1);
    } finally {
      await worker.close();
    }
  });

  it('past conflictRetries the attempt fails; the next attempt resumes at the item', async () => {
    const db = await dataDb();
    const queue = b.queue(uniqueQueueName('tx-40001-bound'));
    const { job, tries } = await conflicting(db, 3, 1);
    const worker = iterationWorker(b, queue.name, [job]);
    const failures: string[] = [];
    worker.on('iteration.failed', (e) => failures.push((e.error as { code?: string }).code ?? '?'));
    try {
      const added = await job.enqueue(queue, {}, { attempts: 2 });
      await completion(worker, added.id!);
      // Attempt 1: tries 1 and 2 conflict (one retry allowed); attempt 2: 3 conflicts, 4 passes.
      expect(failures).toEqual(['40001']);
      expect(tries()).toBe(4);
      expect([...(await db.counts()).values()]).toEqual([1, 1, 1, 1]);
    } finally {
      await worker.close();
    }
  });
});
