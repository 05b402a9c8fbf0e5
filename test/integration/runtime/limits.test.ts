// Run limits and interruption conditions: `maxItemsPerRun` and `interruptWhen` requeue the job at
// an item boundary like a deploy (no attempt, nothing redone or skipped); `maxItems` completes it.
import { describe, expect, it } from 'vitest';

import type { InterruptReason } from '../../../src/index.js';
import { withCluster } from '../../support/backends.js';
import { completion, iterationWorker, storedState } from '../../support/iteration.js';
import { counter, range } from '../../support/jobs.js';
import { uniqueQueueName } from '../../support/names.js';

interface Interrupted {
  readonly reason: InterruptReason;
  readonly processed: number;
  readonly processedThisRun: number;
}

describe.each(withCluster)('run limits on $name', (b) => {
  it('maxItemsPerRun requeues after N items, counting no attempt, until the job is done', async () => {
    const queueName = uniqueQueueName('max-items-per-run');
    const queue = b.queue(queueName);
    const c = counter({ total: 100, maxItemsPerRun: 25 });
    const worker = iterationWorker(b, queueName, [c.job]);
    const events: Interrupted[] = [];
    worker.on('iteration.interrupted', (e) => events.push(e));
    try {
      const job = await c.job.enqueue(queue, {}, { attempts: 1 });
      const result = await completion(worker, job.id!);
      // Four full runs of 25, then a run that finds the enumerator exhausted.
      expect(events.map((e) => e.reason)).toEqual(Array(4).fill('max-items'));
      expect(events.map((e) => e.processedThisRun)).toEqual([25, 25, 25, 25]);
      expect(events.map((e) => e.processed)).toEqual([25, 50, 75, 100]);
      expect(c.seen).toEqual(range(100));
      expect(result).toMatchObject({ processed: 100, timesInterrupted: 4, stoppedEarly: false });
      // attempts: 1 and still completed: none of the requeues counted as an attempt.
      expect((await queue.getJob(job.id!))!.attemptsMade).toBe(1);
    } finally {
      await worker.close();
    }
  });

  it('maxItemsPerRun shares a worker of concurrency 1 between two long jobs', async () => {
    const queueName = uniqueQueueName('max-items-share');
    const queue = b.queue(queueName);
    const order: string[] = [];
    const c = counter({
      total: 40,
      maxItemsPerRun: 10,
      onItem: (_item, ctx) => void order.push(ctx.job.id!),
    });
    const worker = iterationWorker(b, queueName, [c.job], { concurrency: 1 });
    try {
      const first = await c.job.enqueue(queue, {});
      const second = await c.job.enqueue(queue, {});
      await Promise.all([completion(worker, first.id!), completion(worker, second.id!)]);
      // Without the limit the first job would run its 40 items before the second starts.
      expect(order.indexOf(second.id!)).toBeLessThan(order.lastIndexOf(first.id!));
      expect(order.filter((id) => id === first.id).length).toBe(40);
      expect(order.filter((id) => id === second.id).length).toBe(40);
    } finally {
      await worker.close();
    }
  });

  it('maxItems completes the job early after N items in total, across runs', async () => {
    const queueName = uniqueQueueName('max-items');
    const queue = b.queue(queueName);
    const completed: string[] = [];
    const c = counter({
      total: 100,
      maxItems: 40,
      maxItemsPerRun: 15,
      onComplete: () => void completed.push('complete'),
    });
    const worker = iterationWorker(b, queueName, [c.job]);
    try {
      const job = await c.job.enqueue(queue, {});
      const result = await completion(worker, job.id!);
      expect(result).toMatchObject({
        outcome: 'completed',
        processed: 40,
        stoppedEarly: true,
        cursor: 39,
        timesInterrupted: 2,
      });
      expect(c.seen).toEqual(range(40));
      expect(completed).toEqual(['complete']);
      expect(await storedState(b, queueName, job.id!)).toMatchObject({ processed: 40 });
    } finally {
      await worker.close();
    }
  });

  it('interruptWhen requeues at the item boundary (reason condition), no attempt, nothing redone', async () => {
    const queueName = uniqueQueueName('interrupt-when');
    const queue = b.queue(queueName);
    const asked: number[] = [];
    const c = counter({
      total: 100,
      // Async on purpose: the loop awaits a condition that returns a promise.
      interruptWhen: async (ctx) => {
        asked.push(ctx.processed);
        return ctx.processed === 30 || ctx.processed === 70;
      },
    });
    const worker = iterationWorker(b, queueName, [c.job]);
    const events: Interrupted[] = [];
    worker.on('iteration.interrupted', (e) => events.push(e));
    try {
      const job = await c.job.enqueue(queue, {}, { attempts: 1 });
      const result = await completion(worker, job.id!);
      expect(events.map((e) => [e.reason, e.processed])).toEqual([
        ['condition', 30],
        ['condition', 70],
      ]);
      expect(c.seen).toEqual(range(100));
      // Asked once after every item, never before the first item of a run.
      expect(asked).toEqual(range(100).map((i) => i + 1));
      expect(result).toMatchObject({ processed: 100, timesInterrupted: 2 });
      expect((await queue.getJob(job.id!))!.attemptsMade).toBe(1);
    } finally {
      await worker.close();
    }
  });
});
