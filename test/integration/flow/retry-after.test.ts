// A step that throws RetryAfter parks its run until then: no attempt counted, the item it was on
// runs once more when the run resumes (rolled back first under `transactional`), items before it
// never again. With `scope: 'run'`, every partition of a parallel run parks too.
import { describe, expect, it } from 'vitest';

import type { BuildEnumeratorArgs, RangePartition } from '../../../src/index.js';
import {
  defineIterationJob,
  getRun,
  pgTransactions,
  range,
  RetryAfter,
} from '../../../src/index.js';
import { backends } from '../../support/backends.js';
import { dataDb, duplicatesAndMissing } from '../../support/data-db.js';
import { completion, eventually, iterationWorker } from '../../support/iteration.js';
import { counter, duplicates, range as upTo } from '../../support/jobs.js';
import { uniqueQueueName } from '../../support/names.js';

const fast = { controlPollIntervalMs: 100, progressIntervalMs: 100 };

describe.each(backends)('RetryAfter on $name', (b) => {
  it('parks the run at the item for the delay: no attempt, that item once more, none before it', async () => {
    const queueName = uniqueQueueName('retry-after');
    const queue = b.queue(queueName);
    let until = 0;
    const visits: [number, number][] = [];
    const c = counter({
      total: 1_000,
      onItem: (item) => {
        visits.push([item, Date.now()]);
        if (item === 500 && until === 0) {
          const retry = new RetryAfter(2_000, { reason: 'the API said 429' });
          until = retry.until;
          throw retry;
        }
      },
    });
    const worker = iterationWorker(b, queueName, [c.job], fast);
    try {
      const job = await c.job.enqueue(queue, {});
      const parked = await eventually(async () => {
        const run = await getRun(queue, job.id!);
        return run.status === 'retry-after' ? run : undefined;
      }, 'the run to be parked');
      expect(parked).toMatchObject({
        statusReason: 'the API said 429',
        waitUntil: until,
        attemptsMade: 0,
        processed: 500,
      });
      expect(await completion(worker, job.id!)).toMatchObject({ processed: 1_000 });
      // Item 500 ran twice (the first time it threw), every other item once.
      expect(duplicates(c.seen)).toEqual([500]);
      expect([...new Set(c.seen)].sort((x, y) => x - y)).toEqual(upTo(1_000));
      // Not before its time.
      const second = visits.filter(([item]) => item === 500)[1]!;
      expect(second[1]).toBeGreaterThanOrEqual(until);
      const done = (await queue.getJob(job.id!))!;
      expect(done.attemptsMade).toBe(1);
      expect(done.failedReason).toBeFalsy();
    } finally {
      await worker.close();
    }
  });

  it('a transactional item that throws RetryAfter is rolled back and committed once later', async () => {
    const db = await dataDb();
    const queueName = uniqueQueueName('retry-after-tx');
    const queue = b.queue(queueName);
    let thrown = false;
    const job = defineIterationJob({
      name: 'retry-after-tx',
      transactional: pgTransactions(db.pool, { schema: db.schema, itemsPerTransaction: 4 }),
      buildEnumerator: ({ cursor }: BuildEnumeratorArgs<object, number>) =>
        range({ to: 60, cursor }),
      async eachIteration(item, ctx) {
        await ctx.tx.query(`INSERT INTO ${db.effects} (item) VALUES ($1)`, [item]);
        if (item === 30 && !thrown) {
          thrown = true;
          throw new RetryAfter(500);
        }
      },
      itemErrors: { retries: 2, action: 'skip' },
    });
    const worker = iterationWorker(b, queueName, [job], fast);
    try {
      const added = await job.enqueue(queue, {});
      expect(await completion(worker, added.id!)).toMatchObject({ processed: 60 });
      expect(thrown).toBe(true);
      // Not an item failure: nothing skipped, nothing retried in place, every effect once.
      expect(duplicatesAndMissing(await db.counts(), 60)).toEqual({ duplicates: 0, missing: [] });
      expect(await getRun(queue, added.id!)).toMatchObject({ skipped: 0, attemptsMade: 1 });
    } finally {
      await worker.close();
    }
  });

  it("scope 'run' parks every partition of a parallel run until then", async () => {
    const queueName = uniqueQueueName('retry-after-run');
    const queue = b.queue(queueName);
    const visits: [number, number][] = [];
    let until = 0;
    const job = defineIterationJob({
      name: 'retry-after-run',
      partitions: () => [
        { from: 0, to: 300 },
        { from: 300, to: 600 },
        { from: 600, to: 900 },
      ],
      buildEnumerator: ({
        partition,
        cursor,
      }: BuildEnumeratorArgs<object, number, RangePartition>) => range({ ...partition, cursor }),
      async eachIteration(item) {
        visits.push([item, Date.now()]);
        await new Promise((resolve) => setTimeout(resolve, 3));
        if (item === 350 && until === 0) {
          const retry = new RetryAfter(2_500, { scope: 'run', reason: 'maintenance window' });
          until = retry.until;
          throw retry;
        }
      },
    });
    const worker = iterationWorker(b, queueName, [job as never], { ...fast, concurrency: 3 });
    try {
      const parent = await job.enqueue(queue, {});
      await eventually(
        async () => ((await parent.getState()) === 'completed' ? true : undefined),
        'the run',
        60_000,
      );
      const items = visits.map(([item]) => item);
      expect(duplicates(items)).toEqual([350]);
      expect([...new Set(items)].sort((x, y) => x - y)).toEqual(upTo(900));
      // Once the other partitions saw the request (a poll or two), none ran an item until then.
      const quiet = visits.filter(([, at]) => at > until - 2_500 + 1_000 && at < until);
      expect(quiet).toEqual([]);
      expect(visits.some(([item, at]) => item < 300 && at >= until)).toBe(true);
    } finally {
      await worker.close();
    }
  });
});
