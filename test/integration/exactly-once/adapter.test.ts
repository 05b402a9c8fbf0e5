// The adapter's table and options: created on first use in the configured schema (also by many
// workers at once), or refused with a clear error when creation is off; items grouped per
// transaction; batch enumerators with one transaction per batch; idempotency keys on every job.
import pg from 'pg';
import { describe, expect, it } from 'vitest';

import type { BuildEnumeratorArgs } from '../../../src/index.js';
import { defineIterationJob, keysetBatches, pgQuery, pgTransactions } from '../../../src/index.js';
import { backendByName } from '../../support/backends.js';
import { dataDb } from '../../support/data-db.js';
import { completion, iterationWorker } from '../../support/iteration.js';
import { track } from '../../support/lifecycle.js';
import { uniqueQueueName } from '../../support/names.js';
import { postgresUrl } from '../../support/servers.js';

const b = backendByName('redis');

async function* upTo(total: number, { cursor }: BuildEnumeratorArgs<object, number>) {
  for (let i = cursor === null ? 0 : cursor + 1; i < total; i++) yield [i, i] as const;
}

describe('transactional adapter', () => {
  it('creates its table in the configured schema on first use, not in the default one', async () => {
    const db = await dataDb();
    const queue = b.queue(uniqueQueueName('tx-schema'));
    const job = defineIterationJob({
      name: 'schema',
      transactional: pgTransactions(db.pool, { schema: db.schema }),
      buildEnumerator: (args: BuildEnumeratorArgs<object, number>) => upTo(2, args),
      async eachIteration(item, ctx) {
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
    const { rows } = await db.pool.query(
      `SELECT table_schema FROM information_schema.tables WHERE table_name = 'iteration_cursor'
         AND table_schema = $1`,
      [db.schema],
    );
    expect(rows).toEqual([{ table_schema: db.schema }]);
  });

  it('migrate() run by many processes at once creates the table once, without error', async () => {
    const db = await dataDb();
    // One pool per "worker", so the creations really run on concurrent connections.
    const pools = Array.from({ length: 6 }, () =>
      track(new pg.Pool({ connectionString: postgresUrl(), max: 1 }), { name: 'migrate pool' }),
    );
    const adapters = pools.map((pool) => pgTransactions(pool, { schema: db.schema }));
    await Promise.all(adapters.map((adapter) => adapter.migrate()));
    await Promise.all(adapters.map((adapter) => adapter.migrate()));
    const { rows } = await db.pool.query(
      `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1`,
      [db.schema],
    );
    expect(rows).toEqual([{ n: 1 }]);
  });

  it('with createTable false, a missing table fails the job saying to run migrate()', async () => {
    const db = await dataDb();
    const queue = b.queue(uniqueQueueName('tx-no-create'));
    const job = defineIterationJob({
      name: 'no-create',
      transactional: pgTransactions(db.pool, { schema: db.schema, createTable: false }),
      buildEnumerator: (args: BuildEnumeratorArgs<object, number>) => upTo(2, args),
      eachIteration() {},
    });
    const worker = iterationWorker(b, queue.name, [job]);
    try {
      const added = await job.enqueue(queue, {});
      await expect(completion(worker, added.id!)).rejects.toThrow(/transactional\.migrate\(\)/);
    } finally {
      await worker.close();
    }
  });

  it('rejects bad options and a missing adapter at definition time', () => {
    const pool = { connect: async () => ({}) as never };
    expect(() => pgTransactions(pool, { itemsPerTransaction: 0 })).toThrow(
      /`itemsPerTransaction` to be an integer ≥ 1, got 0/,
    );
    expect(() => pgTransactions(pool, { isolation: 'snapshot' as never })).toThrow(/isolation/);
    expect(() => pgTransactions(pool, { preparedStatements: 'yes' as never })).toThrow(
      /`preparedStatements` to be a boolean, got 'yes'/,
    );
    expect(() => pgTransactions({} as never)).toThrow(/expects a pg\.Pool/);
    expect(() =>
      defineIterationJob({
        name: 'raw-pool',
        transactional: pool as never,
        buildEnumerator: () => null,
        eachIteration() {},
      }),
    ).toThrow(/"raw-pool": `transactional` must be made by pgTransactions/);
    // Item policies and steps compose with transactional items (see the composition matrix).
    expect(() =>
      defineIterationJob({
        name: 'both',
        transactional: pgTransactions(pool),
        itemErrors: { retries: 1 },
        buildEnumerator: () => null,
        eachIteration() {},
      }),
    ).not.toThrow();
    expect(() =>
      defineIterationJob({
        name: 'stepped',
        transactional: pgTransactions(pool),
        steps: [{ name: 'only', run() {} }],
      } as never),
    ).not.toThrow();
  });

  it('prepares the fenced cursor write once per connection, unless preparedStatements is false', async () => {
    for (const preparedStatements of [true, false]) {
      // One connection, so the items' transactions and the look at its prepared statements share it.
      const db = await dataDb(1);
      const queue = b.queue(uniqueQueueName('tx-prepared'));
      const job = defineIterationJob({
        name: 'prepared',
        transactional: pgTransactions(db.pool, { schema: db.schema, preparedStatements }),
        buildEnumerator: (args: BuildEnumeratorArgs<object, number>) => upTo(5, args),
        async eachIteration(item, ctx) {
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
      const { rows } = await db.pool.query<{ name: string }>(
        `SELECT name FROM pg_prepared_statements WHERE name LIKE 'bullmq-iteration:fence:%'`,
      );
      expect(rows).toHaveLength(preparedStatements ? 1 : 0);
      expect([...(await db.counts()).entries()].sort(([a], [b]) => a - b)).toEqual([
        [0, 1],
        [1, 1],
        [2, 1],
        [3, 1],
        [4, 1],
      ]);
      const cursor = await db.pool.query<{ cursor: unknown; processed: string }>(
        `SELECT cursor, processed::text FROM "${db.schema}".iteration_cursor`,
      );
      expect(cursor.rows).toEqual([{ cursor: 4, processed: '5' }]);
    }
  });

  it('itemsPerTransaction groups items; a failure rolls back the whole group, redone once', async () => {
    const db = await dataDb();
    const queue = b.queue(uniqueQueueName('tx-group'));
    let failed = false;
    const transactions = new Set<unknown>();
    const job = defineIterationJob({
      name: 'grouped',
      transactional: pgTransactions(db.pool, { schema: db.schema, itemsPerTransaction: 10 }),
      buildEnumerator: (args: BuildEnumeratorArgs<object, number>) => upTo(25, args),
      async eachIteration(item, ctx) {
        const { rows } = await ctx.tx.query('SELECT txid_current()::text AS id');
        transactions.add(rows[0]!.id);
        await ctx.tx.query(`INSERT INTO ${db.effects} (item) VALUES ($1)`, [item]);
        if (item === 14 && !failed) {
          failed = true;
          throw new Error('item 14 fails once');
        }
      },
    });
    const worker = iterationWorker(b, queue.name, [job]);
    try {
      const added = await job.enqueue(queue, {}, { attempts: 2 });
      expect(await completion(worker, added.id!)).toMatchObject({ processed: 25, cursor: 24 });
      expect([...(await db.counts()).values()]).toEqual(Array(25).fill(1));
      // 0-9, 10-19 (failed), 10-19 again, 20-24.
      expect(transactions.size).toBe(4);
    } finally {
      await worker.close();
    }
  });

  it('keysetBatches with pgQuery: one transaction per batch (the guide’s example)', async () => {
    const db = await dataDb();
    const users = `"users_${db.schema}"`;
    await db.pool.query(`CREATE TABLE ${users} (id int PRIMARY KEY, plan text)`);
    await db.pool.query(`INSERT INTO ${users} SELECT i, 'free' FROM generate_series(1, 1000) i`);
    const queue = b.queue(uniqueQueueName('tx-keyset'));
    const transactions = new Set<unknown>();
    const backfill = defineIterationJob({
      name: 'backfill-plans',
      transactional: pgTransactions(db.pool, { schema: db.schema }),
      buildEnumerator: ({ cursor }) =>
        keysetBatches<{ id: number }>({
          query: pgQuery(db.pool),
          table: `users_${db.schema}`,
          columns: ['id'],
          batchSize: 100,
          cursor,
        }),
      async eachIteration(batch, ctx) {
        const { rows } = await ctx.tx.query('SELECT txid_current()::text AS id');
        transactions.add(rows[0]!.id);
        await ctx.tx.query(`UPDATE ${users} SET plan = $1 WHERE id = ANY($2)`, [
          'pro',
          batch.map((u) => u.id),
        ]);
      },
    });
    const worker = iterationWorker(b, queue.name, [backfill]);
    try {
      const added = await backfill.enqueue(queue, {});
      await completion(worker, added.id!);
      expect(transactions.size).toBe(10);
      const { rows } = await db.pool.query(
        `SELECT plan, count(*)::int AS n FROM ${users} GROUP BY plan`,
      );
      expect(rows).toEqual([{ plan: 'pro', n: 1000 }]);
    } finally {
      await worker.close();
    }
  });

  it('ctx.idempotencyKey of a job without transactional is stable across a retry', async () => {
    const queue = b.queue(uniqueQueueName('idempotency'));
    const keys: string[] = [];
    let failed = false;
    const job = defineIterationJob({
      name: 'keys',
      buildEnumerator: ({ cursor }: BuildEnumeratorArgs<object, { id: string; at: string }>) => {
        const rows: (readonly [{ n: number }, { id: string; at: string }])[] = [
          [{ n: 1 }, { id: 'a', at: '2024-01-01' }],
          [{ n: 2 }, { at: '2024-01-02', id: 'b' }],
        ];
        return rows.filter(([, c]) => cursor === null || c.at > cursor.at);
      },
      eachIteration(item, ctx) {
        keys.push(ctx.idempotencyKey);
        expect(ctx.tx).toBeUndefined();
        if (item.n === 2 && !failed) {
          failed = true;
          throw new Error('once');
        }
      },
    });
    const worker = iterationWorker(b, queue.name, [job]);
    try {
      const added = await job.enqueue(queue, {}, { attempts: 2 });
      await completion(worker, added.id!);
      const id = added.id!;
      // Keys sorted within the cursor: the same key whatever order the cursor's fields came in.
      expect(keys).toEqual([
        `${id}:{"at":"2024-01-01","id":"a"}`,
        `${id}:{"at":"2024-01-02","id":"b"}`,
        `${id}:{"at":"2024-01-02","id":"b"}`,
      ]);
    } finally {
      await worker.close();
    }
  });
});
