// A parallel run end to end on every backend: planned once, partitions processed by several
// workers, every item exactly once, onStart and onComplete once, the parent's summary summed.
import { describe, expect, it } from 'vitest';

import { getRun, type IterationSummary, type ParallelProgress } from '../../../src/index.js';
import { withCluster } from '../../support/backends.js';
import { eventually } from '../../support/iteration.js';
import { duplicates, range } from '../../support/jobs.js';
import { uniqueQueueName } from '../../support/names.js';
import { parallelCounter, workers } from './support.js';

describe.each(withCluster)('parallel run on $name', (b) => {
  it('three workers process every item exactly once; onStart and onComplete run once', async () => {
    const queueName = uniqueQueueName('parallel');
    const queue = b.queue(queueName);
    const c = parallelCounter({ total: 300, partitions: 6, stepMs: 1 });
    const pool = workers(b, queueName, c.job, 3);
    try {
      const parent = await c.job.enqueue(queue, {});
      const summary = await eventually(
        async () => {
          // The state first: a job read before it completed has no return value yet.
          if ((await parent.getState()) !== 'completed') return undefined;
          return (await queue.getJob(parent.id!))!.returnvalue as IterationSummary;
        },
        'the parent to complete',
        40_000,
      );
      expect(duplicates(c.seen)).toEqual([]);
      expect([...c.seen].sort((x, y) => x - y)).toEqual(range(300));
      expect(c.calls).toMatchObject({
        start: 1,
        complete: 1,
        plans: 1,
        processedAtComplete: [300],
      });
      expect(summary).toMatchObject({ outcome: 'completed', processed: 300, partitions: 6 });
      const run = await getRun(queue, parent.id!);
      expect(run).toMatchObject({
        status: 'completed',
        processed: 300,
        total: 300,
        percentage: 100,
      });
      expect(run.partitions?.map((p) => p.status)).toEqual(Array(6).fill('completed'));
      expect(run.partitions?.map((p) => p.processed)).toEqual(Array(6).fill(50));
      // The parent's progress is the aggregate, for bull-board's ring.
      expect((await queue.getJob(parent.id!))?.progress).toMatchObject({
        progress: 100,
        processed: 300,
      });
    } finally {
      await Promise.all(pool.map((w) => w.close()));
    }
  });

  it('a worker closed mid-run (a deploy) hands its partitions over: every item still exactly once', async () => {
    const queueName = uniqueQueueName('parallel-deploy');
    const queue = b.queue(queueName);
    const c = parallelCounter({ total: 600, partitions: 6, stepMs: 2 });
    const [leaving, ...staying] = workers(b, queueName, c.job, 3);
    const interrupted: unknown[] = [];
    leaving!.on('iteration.interrupted', (event) => interrupted.push(event));
    try {
      const parent = await c.job.enqueue(queue, {});
      await eventually(() => (c.seen.length >= 60 ? true : undefined), 'items to run');
      expect(leaving!.activeRuns).toBeGreaterThan(0);
      await leaving!.close();
      expect(interrupted.length).toBeGreaterThan(0);
      const summary = await eventually(
        async () => {
          // The state first: a job read before it completed has no return value yet.
          if ((await parent.getState()) !== 'completed') return undefined;
          return (await queue.getJob(parent.id!))!.returnvalue as IterationSummary;
        },
        'the parent to complete',
        60_000,
      );
      expect(duplicates(c.seen)).toEqual([]);
      expect([...c.seen].sort((x, y) => x - y)).toEqual(range(600));
      expect(summary).toMatchObject({ outcome: 'completed', processed: 600 });
      expect(summary.timesInterrupted).toBeGreaterThanOrEqual(interrupted.length);
      expect(c.calls).toMatchObject({ start: 1, complete: 1 });
    } finally {
      await Promise.all([leaving!, ...staying].map((w) => w.close()));
    }
  });

  it("the parent's progress is the run's aggregate while it runs (what bull-board's ring shows)", async () => {
    const queueName = uniqueQueueName('parallel-progress');
    const queue = b.queue(queueName);
    const c = parallelCounter({ total: 900, partitions: 3, stepMs: 3 });
    const pool = workers(b, queueName, c.job, 2, { progressIntervalMs: 100 });
    try {
      const parent = await c.job.enqueue(queue, {});
      const midway = await eventually(async () => {
        const progress = (await queue.getJob(parent.id!))?.progress as ParallelProgress | undefined;
        return typeof progress === 'object' && progress.processed >= 60 ? progress : undefined;
      }, 'the parent to show partitions progress');
      expect(midway).toMatchObject({ status: 'running', total: 900, partitions: { count: 3 } });
      expect(midway.progress).toBeGreaterThan(0);
      expect(midway.progress).toBeLessThan(100);
      // Summed from what the partitions published: never ahead of what they processed.
      expect(midway.processed).toBeLessThanOrEqual(c.seen.length);
      await eventually(
        async () => ((await parent.getState()) === 'completed' ? true : undefined),
        'the run',
        40_000,
      );
      expect((await queue.getJob(parent.id!))?.progress).toMatchObject({
        status: 'completed',
        progress: 100,
        processed: 900,
        partitions: { count: 3, finished: 3 },
      });
    } finally {
      await Promise.all(pool.map((w) => w.close()));
    }
  });
});
