// What a step may not do with ctx.tx, and the errors it gets: its own BEGIN or COMMIT, releasing
// the connection, a query left running, a failed statement swallowed, ctx.tx kept after the step.
// Each fails the job without retry (TransactionMisuseError) and commits none of the item's effects.
import { describe, expect, it } from 'vitest';

import type { BuildEnumeratorArgs, ItemContext } from '../../../src/index.js';
import { defineIterationJob, pgTransactions, TransactionMisuseError } from '../../../src/index.js';
import type { PgTxClient } from '../../../src/transactional/pg.js';
import { backendByName } from '../../support/backends.js';
import { type DataDb, dataDb } from '../../support/data-db.js';
import { completion, iterationWorker } from '../../support/iteration.js';
import { uniqueQueueName } from '../../support/names.js';

const b = backendByName('redis');

async function* upTo(total: number, { cursor }: BuildEnumeratorArgs<object, number>) {
  for (let i = cursor === null ? 0 : cursor + 1; i < total; i++) yield [i, i] as const;
}

type Step = (db: DataDb, item: number, ctx: ItemContext<object, number, PgTxClient>) => unknown;

/** Runs a 3-item transactional job whose item 1 does `misuse`; resolves with the job's error. */
async function failure(misuse: Step): Promise<{ error: unknown; db: DataDb }> {
  const db = await dataDb();
  const queue = b.queue(uniqueQueueName('tx-misuse'));
  const job = defineIterationJob({
    name: 'misuse',
    transactional: pgTransactions(db.pool, { schema: db.schema }),
    buildEnumerator: (args: BuildEnumeratorArgs<object, number>) => upTo(3, args),
    async eachIteration(item, ctx) {
      await ctx.tx.query(`INSERT INTO ${db.effects} (item) VALUES ($1)`, [item]);
      if (item === 1) await misuse(db, item, ctx);
    },
  });
  const worker = iterationWorker(b, queue.name, [job]);
  try {
    const added = await job.enqueue(queue, {}, { attempts: 3 });
    const error = await completion(worker, added.id!).then(
      () => undefined,
      (e: unknown) => e,
    );
    // No retry: the same code would misuse ctx.tx again.
    expect((await queue.getJob(added.id!))!.attemptsMade).toBe(1);
    return { error, db };
  } finally {
    await worker.close();
  }
}

describe('ctx.tx misuse', () => {
  it.each([
    ['BEGIN', 'BEGIN'],
    ['START TRANSACTION', 'start transaction isolation level serializable'],
    ['COMMIT', 'COMMIT'],
    ['ROLLBACK', '  rollback'],
    ['a COMMIT after a comment', '/* done */ -- now\n commit'],
    ['a multi-statement string', 'SELECT 1; COMMIT'],
  ])('%s sent on ctx.tx fails the job and commits nothing of the item', async (_, text) => {
    const { error, db } = await failure((_db, _item, ctx) => ctx.tx.query(text));
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('TransactionMisuseError');
    expect((error as Error).message).toMatch(/must not begin, commit or roll back/);
    // Item 0 committed; item 1's insert went with its rolled-back transaction.
    expect([...(await db.counts()).keys()]).toEqual([0]);
  });

  it('savepoints are allowed inside the item’s transaction', async () => {
    const db = await dataDb();
    const queue = b.queue(uniqueQueueName('tx-savepoint'));
    const job = defineIterationJob({
      name: 'savepoint',
      transactional: pgTransactions(db.pool, { schema: db.schema }),
      buildEnumerator: (args: BuildEnumeratorArgs<object, number>) => upTo(3, args),
      async eachIteration(item, ctx) {
        await ctx.tx.query('SAVEPOINT attempt');
        await ctx.tx.query(`INSERT INTO ${db.effects} (item) VALUES ($1)`, [item + 100]);
        await ctx.tx.query('ROLLBACK TO SAVEPOINT attempt');
        await ctx.tx.query(`INSERT INTO ${db.effects} (item) VALUES ($1)`, [item]);
        await ctx.tx.query('RELEASE SAVEPOINT attempt');
      },
    });
    const worker = iterationWorker(b, queue.name, [job]);
    try {
      const added = await job.enqueue(queue, {});
      await completion(worker, added.id!);
      expect([...(await db.counts()).keys()].sort()).toEqual([0, 1, 2]);
    } finally {
      await worker.close();
    }
  });

  it('releasing ctx.tx fails the job', async () => {
    const { error } = await failure((_db, _item, ctx) => ctx.tx.release());
    expect((error as Error).message).toMatch(/called ctx\.tx\.release\(\)/);
  });

  it('a query left running when the step returns fails the job', async () => {
    const { error, db } = await failure((db, item, ctx) => {
      void ctx.tx.query(`INSERT INTO ${db.effects} (item) VALUES ($1)`, [item + 10]);
    });
    expect((error as Error).message).toMatch(/still running/);
    expect([...(await db.counts()).keys()]).toEqual([0]);
  });

  it('a failed statement the step swallowed fails the job with the reason', async () => {
    const { error } = await failure(async (_db, _item, ctx) => {
      await ctx.tx.query('SELECT * FROM no_such_table').catch(() => undefined);
    });
    expect((error as Error).name).toBe('TransactionMisuseError');
    expect((error as Error).message).toMatch(/went on\s+without throwing/);
  });

  it('ctx.tx kept after its step is refused when used later', async () => {
    let kept: PgTxClient | undefined;
    const db = await dataDb();
    const queue = b.queue(uniqueQueueName('tx-kept'));
    const job = defineIterationJob({
      name: 'keeps-tx',
      transactional: pgTransactions(db.pool, { schema: db.schema }),
      buildEnumerator: (args: BuildEnumeratorArgs<object, number>) => upTo(2, args),
      async eachIteration(item, ctx) {
        kept ??= ctx.tx;
        await ctx.tx.query(`INSERT INTO ${db.effects} (item) VALUES ($1)`, [item]);
      },
    });
    const worker = iterationWorker(b, queue.name, [job]);
    try {
      const added = await job.enqueue(queue, {});
      await completion(worker, added.id!);
    } finally {
      await worker.close();
    }
    expect(() => kept!.query(`INSERT INTO ${db.effects} (item) VALUES (99)`)).toThrow(
      TransactionMisuseError,
    );
    expect(() => kept!.query('SELECT 1')).toThrow(/used after the step that received it returned/);
    expect([...(await db.counts()).keys()].sort()).toEqual([0, 1]);
  });
});
