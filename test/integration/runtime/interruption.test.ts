// Interruption is not a failure: shutdown, maxRuntimeMs and aborts checkpoint, run onShutdown and
// requeue the job as it was, and the next run continues after the last finished item.
import { describe, expect, it } from 'vitest';

import type { InterruptReason } from '../../../src/index.js';
import { withCluster } from '../../support/backends.js';
import {
  completion,
  iterationWorker,
  nextEvent,
  sleep,
  storedState,
} from '../../support/iteration.js';
import { counter, duplicates, range } from '../../support/jobs.js';
import { uniqueQueueName } from '../../support/names.js';

describe.each(withCluster)('interruption on $name', (b) => {
  it('close() checkpoints, runs onShutdown, requeues the job unchanged; the next worker resumes', async () => {
    const queueName = uniqueQueueName('shutdown');
    const queue = b.queue(queueName);
    const atShutdown: { state?: string; stored?: unknown; cursor?: unknown; interrupted?: number } =
      {};
    const calls: string[] = [];
    const c = counter({
      total: 300,
      stepMs: 2,
      onStart: () => void calls.push('start'),
      onResume: (ctx) => void calls.push(`resume@${String(ctx.cursor)}`),
      onComplete: () => void calls.push('complete'),
      async onShutdown(ctx) {
        calls.push('shutdown');
        if (atShutdown.state !== undefined) return;
        atShutdown.state = await ctx.job.getState();
        atShutdown.stored = (await storedState(b, queueName, ctx.job.id!))?.cursor;
        atShutdown.cursor = ctx.cursor;
        atShutdown.interrupted = ctx.timesInterrupted;
      },
    });
    const first = iterationWorker(b, queueName, [c.job]);
    const job = await c.job.enqueue(
      queue,
      { batch: 'a' },
      { priority: 7, attempts: 3, backoff: { type: 'fixed', delay: 10 } },
    );
    const interrupted = nextEvent<{ reason: InterruptReason; processed: number }>(
      first,
      'iteration.interrupted',
    );
    await nextEvent(first, 'iteration.started');
    await sleep(100);
    await first.close();
    const event = await interrupted;
    expect(event.reason).toBe('shutdown');

    // onShutdown ran while the job was still ours, after the checkpoint was flushed.
    expect(atShutdown.state).toBe('active');
    expect(atShutdown.stored).toEqual(atShutdown.cursor);
    expect(atShutdown.interrupted).toBe(1);

    const requeued = (await queue.getJob(job.id!))!;
    expect(['delayed', 'waiting', 'prioritized']).toContain(await requeued.getState());
    expect(requeued.name).toBe('counter');
    expect(requeued.data).toEqual({ batch: 'a' });
    expect(requeued.opts).toMatchObject({ priority: 7, attempts: 3 });
    expect(requeued.attemptsMade).toBe(0);
    const stored = await storedState(b, queueName, job.id!);
    expect(stored).toMatchObject({ timesInterrupted: 1, processed: event.processed });
    expect(stored?.cursor).toBe(c.seen.at(-1));

    const second = iterationWorker(b, queueName, [c.job]);
    try {
      const result = await completion(second, job.id!);
      expect(result).toMatchObject({ processed: 300, timesInterrupted: 1 });
      expect(c.seen).toEqual(range(300));
      expect(calls).toEqual([
        'start',
        'shutdown',
        `resume@${String(stored?.cursor)}`,
        'complete',
        'shutdown',
      ]);
      const done = (await queue.getJob(job.id!))!;
      expect(done.attemptsMade).toBe(1);
      expect(done.progress).toMatchObject({
        processed: 300,
        timesInterrupted: 1,
        status: 'completed',
      });
    } finally {
      await second.close();
    }
  });

  it('maxRuntimeMs requeues the job between items until it is done', async () => {
    const queueName = uniqueQueueName('max-runtime');
    const queue = b.queue(queueName);
    const c = counter({ total: 150, stepMs: 2, maxRuntimeMs: 100 });
    const worker = iterationWorker(b, queueName, [c.job]);
    const reasons: InterruptReason[] = [];
    worker.on('iteration.interrupted', (e) => reasons.push(e.reason));
    try {
      const job = await c.job.enqueue(queue, {});
      const result = (await completion(worker, job.id!)) as { timesInterrupted: number };
      expect(reasons.length).toBeGreaterThanOrEqual(1);
      expect(new Set(reasons)).toEqual(new Set(['max-runtime']));
      expect(result.timesInterrupted).toBe(reasons.length);
      expect(c.seen).toEqual(range(150));
      expect((await queue.getJob(job.id!))!.attemptsMade).toBe(1);
    } finally {
      await worker.close();
    }
  });

  it("BullMQ's cancelJob aborts the run, which requeues and later completes", async () => {
    const queueName = uniqueQueueName('abort');
    const queue = b.queue(queueName);
    const c = counter({ total: 100, stepMs: 2 });
    const worker = iterationWorker(b, queueName, [c.job]);
    try {
      const started = nextEvent(worker, 'iteration.started');
      const job = await c.job.enqueue(queue, {});
      await started;
      await sleep(30);
      expect(worker.cancelJob(job.id!, 'operator')).toBe(true);
      const event = await nextEvent<{ reason: InterruptReason }>(worker, 'iteration.interrupted');
      expect(event.reason).toBe('aborted');
      await completion(worker, job.id!);
      expect(c.seen).toEqual(range(100));
    } finally {
      await worker.close();
    }
  });

  it('at the shutdown deadline a job stuck in an item is requeued from its last finished item', async () => {
    const queueName = uniqueQueueName('deadline');
    const queue = b.queue(queueName);
    let release: (() => void) | undefined;
    let stuck = true;
    const c = counter({
      total: 20,
      async onItem(item) {
        if (item === 5 && stuck) {
          stuck = false;
          await new Promise<void>((r) => (release = r));
        }
      },
    });
    const first = iterationWorker(b, queueName, [c.job], { shutdownTimeoutMs: 200 });
    const job = await c.job.enqueue(queue, {});
    await nextEvent(first, 'iteration.started');
    while (release === undefined) await sleep(10);
    const started = Date.now();
    await first.close();
    // It did not wait for the stuck item.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await storedState(b, queueName, job.id!)).toMatchObject({ cursor: 4, processed: 5 });
    // The abandoned item finishes late; it can no longer move the cursor.
    release!();
    await sleep(100);
    expect(await storedState(b, queueName, job.id!)).toMatchObject({ cursor: 4, processed: 5 });

    const second = iterationWorker(b, queueName, [c.job]);
    try {
      await completion(second, job.id!);
      // Item 5 ran twice (abandoned, then redone); every other item once.
      expect(duplicates(c.seen)).toEqual([5]);
      expect([...new Set(c.seen)].sort((x, y) => x - y)).toEqual(range(20));
    } finally {
      await second.close();
    }
  });
});
