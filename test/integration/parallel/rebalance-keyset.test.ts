// Rebalancing keyset partitions on PostgreSQL: splitKeyset cuts the big partition of a skewed
// keyset plan as the small ones finish; every row is processed exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { keyset } from '../../../src/enumerators/index.js';
import type { IterationSummary, KeysetPartition } from '../../../src/index.js';
import { defineIterationJob, getRun, splitKeyset } from '../../../src/index.js';
import { backends } from '../../support/backends.js';
import { eventually, iterationWorker } from '../../support/iteration.js';
import { duplicates } from '../../support/jobs.js';
import { uniqueQueueName } from '../../support/names.js';
import type { Database } from '../enumerators/databases.js';
import { databases, uniqueTable } from '../enumerators/databases.js';
import { fast } from './support.js';

describe('rebalancing keyset partitions on postgres', () => {
  const b = backends.find((x) => x.name === 'postgres')!;
  let db: Database;
  let table: string;
  let ids: number[];

  beforeAll(async () => {
    db = await databases.find((d) => d.name === 'postgres')!.open();
    table = uniqueTable('rk_items');
    await db.exec(`CREATE TABLE public.${table} (id int8 PRIMARY KEY)`);
    // Sparse keys: an even split of the key space would be wrong, splitKeyset counts rows.
    await db.exec(
      `INSERT INTO public.${table} SELECT i * 7 + (i % 4) FROM generate_series(1, 500) i`,
    );
    ids = (await db.exec(`SELECT id FROM public.${table} ORDER BY id`)).rows.map((r) =>
      Number(r.id),
    );
  });

  afterAll(async () => {
    await db.exec(`DROP TABLE IF EXISTS public."${table}" CASCADE`);
    await db.close();
  });

  it('splits with splitKeyset: every row exactly once, at least one split', async () => {
    const source = () => ({ query: db.query, table, columns: ['id'] });
    const at = (i: number) => ({ id: String(ids[i]) });
    // Skewed: the first partition holds 450 of the 500 rows.
    const plan: KeysetPartition[] = [
      { after: null, until: at(449) },
      { after: at(449), until: at(474) },
      { after: at(474), until: null },
    ];
    const seen: number[] = [];
    const job = defineIterationJob({
      name: 'keyset-rebalance',
      partitions: () => plan,
      buildEnumerator: ({ partition, cursor }) =>
        keyset<{ id: string }>({ ...source(), batchSize: 50, ...partition, cursor }),
      async eachIteration(row) {
        seen.push(Number(row.id));
        await new Promise((r) => setTimeout(r, 2));
      },
      splitPartition: ({ partition, cursor }) =>
        splitKeyset({ ...source(), partition, cursor, minRows: 20 }),
    });
    const queueName = uniqueQueueName('rebalance-keyset');
    const queue = b.queue(queueName);
    const pool = Array.from({ length: 3 }, () =>
      iterationWorker(b, queueName, [job], { ...fast, concurrency: 2 }),
    );
    try {
      const parent = await job.enqueue(queue, {});
      const summary = await eventually(
        async () => {
          if ((await (await queue.getJob(parent.id!))?.getState()) !== 'completed')
            return undefined;
          return (await queue.getJob(parent.id!))!.returnvalue as IterationSummary;
        },
        'the parent to complete',
        90_000,
      );
      expect(duplicates(seen)).toEqual([]);
      expect([...seen].sort((x, y) => x - y)).toEqual(ids);
      expect(summary).toMatchObject({ outcome: 'completed', processed: ids.length });
      const run = await getRun(queue, parent.id!);
      expect(run.partitions!.some((p) => p.splitOf !== undefined)).toBe(true);
    } finally {
      await Promise.all(pool.map((w) => w.close()));
    }
  });
});
