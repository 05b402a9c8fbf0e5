// job.progress: an object dashboards can draw, published about once a second and at lifecycle
// changes, never per item (each publication is also an event on BullMQ's capped stream).
import { describe, expect, it } from 'vitest';

import type { IterationProgress } from '../../../src/index.js';
import { backends } from '../../support/backends.js';
import { completion, iterationWorker, nextEvent, sleep } from '../../support/iteration.js';
import { counter } from '../../support/jobs.js';
import { uniqueQueueName } from '../../support/names.js';

describe.each(backends)('progress on $name', (b) => {
  it('is an object with the percentage and the figures, published a few times, not per item', async () => {
    const queueName = uniqueQueueName('progress');
    const queue = b.queue(queueName);
    const published: IterationProgress[] = [];
    const c = counter({ total: 3_000, stepMs: 0, size: 3_000, checkpointMode: 'coalesced' });
    const worker = iterationWorker(b, queueName, [c.job], { progressIntervalMs: 200 });
    worker.on('progress', (_job, progress) => published.push(progress as IterationProgress));
    try {
      const started = nextEvent(worker, 'iteration.started');
      const job = await c.job.enqueue(queue, {});
      await started;
      await completion(worker, job.id!);
      const final = (await queue.getJob(job.id!))!.progress as IterationProgress;
      expect(final).toMatchObject({
        progress: 100,
        processed: 3_000,
        total: 3_000,
        cursor: 2_999,
        timesInterrupted: 0,
        status: 'completed',
      });
      expect(typeof final.totalTimeMs).toBe('number');
      expect(typeof final.updatedAt).toBe('number');
      // At most one publication per interval of the run, plus the lifecycle ones: never per item.
      expect(published.length).toBeGreaterThanOrEqual(2);
      expect(published.length).toBeLessThan(100);
      expect(published[0]).toMatchObject({ status: 'running', processed: 0, progress: 0 });
      expect(published.at(-1)).toMatchObject({ status: 'completed' });
      for (const p of published) {
        expect(p.progress).toBeGreaterThanOrEqual(0);
        expect(p.progress).toBeLessThanOrEqual(100);
      }
    } finally {
      await worker.close();
    }
  });

  it('reports the interruption and the percentage so far when a run is requeued', async () => {
    const queueName = uniqueQueueName('progress-interrupted');
    const queue = b.queue(queueName);
    const c = counter({ total: 500, stepMs: 2, size: 500 });
    const worker = iterationWorker(b, queueName, [c.job]);
    const started = nextEvent(worker, 'iteration.started');
    const job = await c.job.enqueue(queue, {});
    await started;
    await sleep(100);
    await worker.close();
    const progress = (await queue.getJob(job.id!))!.progress as IterationProgress;
    expect(progress.status).toBe('interrupted');
    expect(progress.timesInterrupted).toBe(1);
    expect(progress.processed).toBe(c.seen.length);
    expect(progress.progress).toBeCloseTo((c.seen.length / 500) * 100, 1);
  });
});
