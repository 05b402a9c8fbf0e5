// Checkpoints: saved after every item, flushed before any move, and fenced by the job's lock.
import { describe, expect, it } from 'vitest';

import { withCluster } from '../../support/backends.js';
import {
  completion,
  iterationWorker,
  nextEvent,
  sleep,
  stealLock,
  storedState,
} from '../../support/iteration.js';
import { counter, duplicates, range } from '../../support/jobs.js';
import { uniqueQueueName } from '../../support/names.js';

describe.each(withCluster)('checkpoints on $name', (b) => {
  it('strict mode: each item starts only after the previous cursor is durable', async () => {
    const queueName = uniqueQueueName('strict');
    const queue = b.queue(queueName);
    const observed: (number | null)[] = [];
    const c = counter({
      total: 15,
      checkpointMode: 'strict',
      async onItem(_item, ctx) {
        observed.push((await storedState(b, queueName, ctx.job.id!))?.cursor as number | null);
      },
    });
    const worker = iterationWorker(b, queueName, [c.job]);
    try {
      const job = await c.job.enqueue(queue, {});
      await completion(worker, job.id!);
      // In item i the stored cursor is i - 1: the one of the item before, already durable.
      expect(observed).toEqual([null, ...range(14)]);
      const state = await storedState(b, queueName, job.id!);
      expect(state).toMatchObject({ cursor: 14, processed: 15, phase: 'completing' });
    } finally {
      await worker.close();
    }
  });

  it('coalesced mode: stored state ends at the last item and never runs ahead', async () => {
    const queueName = uniqueQueueName('coalesced');
    const queue = b.queue(queueName);
    const ahead: number[] = [];
    const c = counter({
      total: 400,
      async onItem(item, ctx) {
        if (item % 50 !== 0) return;
        const stored = (await storedState(b, queueName, ctx.job.id!))?.cursor as number | null;
        // The item in flight is never stored as finished.
        if (stored !== null && stored >= item) ahead.push(item);
      },
    });
    const worker = iterationWorker(b, queueName, [c.job]);
    try {
      const job = await c.job.enqueue(queue, {});
      const result = await completion(worker, job.id!);
      expect(ahead).toEqual([]);
      expect(result).toMatchObject({ processed: 400, cursor: 399, timesInterrupted: 0 });
      expect(await storedState(b, queueName, job.id!)).toMatchObject({
        cursor: 399,
        processed: 400,
      });
    } finally {
      await worker.close();
    }
  });

  it('a worker that lost its lock cannot move the cursor and does not requeue', async () => {
    const queueName = uniqueQueueName('fenced');
    const queue = b.queue(queueName);
    let cursorAtSteal: unknown;
    const c = counter({
      total: 10_000,
      stepMs: 2,
      async onItem(item, ctx) {
        if (item !== 10) return;
        await stealLock(b, queueName, ctx.job.id!);
        // Let any write already in flight land, then note where the store stands.
        await sleep(50);
        cursorAtSteal = (await storedState(b, queueName, ctx.job.id!))?.cursor;
      },
    });
    // Writes back to back: the run learns of the steal at its next write, a round trip later
    // (with the store's pace, up to that pace later: within the documented lag bounds).
    const worker = iterationWorker(b, queueName, [c.job], { checkpointIntervalMs: 0 });
    const interrupted: unknown[] = [];
    worker.on('iteration.interrupted', (e) => interrupted.push(e.reason));
    try {
      const job = await c.job.enqueue(queue, {});
      const lost = await nextEvent<{ processed: number }>(worker, 'iteration.lockLost');
      expect(lost.processed).toBeLessThan(20);
      await sleep(300);
      const state = await storedState(b, queueName, job.id!);
      expect(state?.cursor).toEqual(cursorAtSteal);
      expect(state?.cursor as number).toBeLessThanOrEqual(10);
      expect(interrupted).toEqual([]);
      // Still active: it belongs to the worker that holds the lock now, not back in the queue.
      expect(await job.getState()).toBe('active');
      expect(c.seen.length).toBeLessThan(15);
    } finally {
      await worker.close();
    }
  });

  it('the store refuses a write with a stale token and keeps the last good state', async () => {
    const queueName = uniqueQueueName('stale-token');
    const queue = b.queue(queueName);
    let refused: boolean | undefined;
    const c = counter({
      total: 3,
      checkpointMode: 'strict',
      async onItem(item, ctx) {
        if (item !== 1) return;
        const { checkpointStoreFor } = await import('../../../src/backends/for-backend.js');
        const store = checkpointStoreFor(worker.getBackend());
        const ref = { queueName, id: ctx.job.id! };
        refused = !(await store.save(ref, 'not-the-token', '{"v":1,"cursor":999}'));
      },
    });
    const worker = iterationWorker(b, queueName, [c.job]);
    try {
      const job = await c.job.enqueue(queue, {});
      await completion(worker, job.id!);
      expect(refused).toBe(true);
      expect(await storedState(b, queueName, job.id!)).toMatchObject({ cursor: 2, processed: 3 });
      expect(duplicates(c.seen)).toEqual([]);
    } finally {
      await worker.close();
    }
  });
});
