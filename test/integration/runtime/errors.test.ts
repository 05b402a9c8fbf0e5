// Errors keep progress: a failing item is retried from the last checkpoint, callbacks keep their
// once/every-run promises, and a throwing callback never enqueues a job twice.
import { describe, expect, it } from 'vitest';

import { withCluster } from '../../support/backends.js';
import { completion, iterationWorker, nextEvent, storedState } from '../../support/iteration.js';
import { counter, range } from '../../support/jobs.js';
import { uniqueQueueName } from '../../support/names.js';

describe.each(withCluster)('errors on $name', (b) => {
  it('a throwing item fails the attempt; the retry resumes at that item, not before', async () => {
    const queueName = uniqueQueueName('retry');
    const queue = b.queue(queueName);
    const calls: string[] = [];
    let failures = 0;
    const c = counter({
      total: 30,
      onStart: () => void calls.push('start'),
      onResume: (ctx) => void calls.push(`resume@${String(ctx.cursor)}`),
      onShutdown: () => void calls.push('shutdown'),
      onComplete: () => void calls.push('complete'),
      onItem(item) {
        if (item === 17 && failures++ === 0) throw new Error('item 17 is flaky');
      },
    });
    const worker = iterationWorker(b, queueName, [c.job]);
    try {
      const job = await c.job.enqueue(queue, {}, { attempts: 2 });
      const failed = nextEvent<{ error: Error; processed: number }>(worker, 'iteration.failed');
      const result = await completion(worker, job.id!);
      expect((await failed).error.message).toBe('item 17 is flaky');
      expect(result).toMatchObject({ processed: 30 });
      // 0..17 (17 failed), then 17 again and the rest: only the failing item repeats.
      expect(c.seen).toEqual([...range(18), ...range(30).slice(17)]);
      expect(calls).toEqual(['start', 'shutdown', 'resume@16', 'complete', 'shutdown']);
      const done = (await queue.getJob(job.id!))!;
      expect(done.attemptsMade).toBe(2);
    } finally {
      await worker.close();
    }
  });

  it('retrying a failed job by hand resumes from its checkpoint', async () => {
    const queueName = uniqueQueueName('manual-retry');
    const queue = b.queue(queueName);
    let broken = true;
    const c = counter({
      total: 12,
      onItem(item) {
        if (item === 8 && broken) throw new Error('downstream is down');
      },
    });
    const worker = iterationWorker(b, queueName, [c.job]);
    try {
      const job = await c.job.enqueue(queue, {});
      await expect(completion(worker, job.id!)).rejects.toThrow('downstream is down');
      expect(await storedState(b, queueName, job.id!)).toMatchObject({ cursor: 7, processed: 8 });
      broken = false;
      const failedJob = (await queue.getJob(job.id!))!;
      const done = completion(worker, job.id!);
      await failedJob.retry();
      await done;
      expect(c.seen).toEqual([...range(9), ...range(12).slice(8)]);
    } finally {
      await worker.close();
    }
  });

  it('onShutdown throwing during an interruption still requeues exactly once', async () => {
    const queueName = uniqueQueueName('shutdown-throws');
    const queue = b.queue(queueName);
    const c = counter({
      total: 200,
      stepMs: 2,
      maxRuntimeMs: 60,
      onShutdown() {
        throw new Error('cleanup broke');
      },
    });
    const worker = iterationWorker(b, queueName, [c.job]);
    const callbackFailures: string[] = [];
    worker.on('iteration.callbackFailed', (e) => callbackFailures.push(e.error.message));
    let bullFailures = 0;
    worker.on('failed', () => bullFailures++);
    try {
      const job = await c.job.enqueue(queue, {});
      await completion(worker, job.id!);
      expect(callbackFailures.length).toBeGreaterThanOrEqual(2);
      expect(bullFailures).toBe(0);
      expect(c.seen).toEqual(range(200));
      expect(await queue.getJobCounts('waiting', 'delayed', 'active', 'failed')).toEqual({
        waiting: 0,
        delayed: 0,
        active: 0,
        failed: 0,
      });
    } finally {
      await worker.close();
    }
  });

  it('onComplete throwing is retried without iterating again', async () => {
    const queueName = uniqueQueueName('complete-throws');
    const queue = b.queue(queueName);
    let completes = 0;
    const c = counter({
      total: 5,
      onComplete() {
        if (completes++ === 0) throw new Error('report upload failed');
      },
    });
    const worker = iterationWorker(b, queueName, [c.job]);
    try {
      const job = await c.job.enqueue(queue, {}, { attempts: 3 });
      await completion(worker, job.id!);
      expect(completes).toBe(2);
      expect(c.seen).toEqual(range(5));
    } finally {
      await worker.close();
    }
  });

  it('onStart runs once in the life of a job, across retries and interruptions', async () => {
    const queueName = uniqueQueueName('on-start');
    const queue = b.queue(queueName);
    let starts = 0;
    let resumes = 0;
    let failures = 0;
    const c = counter({
      total: 80,
      stepMs: 2,
      maxRuntimeMs: 50,
      onStart: () => void starts++,
      onResume: () => void resumes++,
      onItem(item) {
        if (item === 40 && failures++ === 0) throw new Error('once');
      },
    });
    const worker = iterationWorker(b, queueName, [c.job]);
    try {
      const job = await c.job.enqueue(queue, {}, { attempts: 2 });
      const result = (await completion(worker, job.id!)) as { timesInterrupted: number };
      expect(starts).toBe(1);
      expect(resumes).toBe(result.timesInterrupted + 1);
    } finally {
      await worker.close();
    }
  });
});
