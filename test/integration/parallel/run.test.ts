// A parallel run end to end on every backend: planned once, partitions processed by several
// workers, every item exactly once, onStart and onComplete once, the parent's summary summed.
import { describe, expect, it } from 'vitest';

import { getRun, type IterationSummary } from '../../../src/index.js';
import { backends } from '../../support/backends.js';
import { eventually } from '../../support/iteration.js';
import { duplicates, range } from '../../support/jobs.js';
import { uniqueQueueName } from '../../support/names.js';
import { parallelCounter, workers } from './support.js';

describe.each(backends)('parallel run on $name', (b) => {
  it('three workers process every item exactly once; onStart and onComplete run once', async () => {
    const queueName = uniqueQueueName('parallel');
    const queue = b.queue(queueName);
    const c = parallelCounter({ total: 300, partitions: 6, stepMs: 1 });
    const pool = workers(b, queueName, c.job, 3);
    try {
      const parent = await c.job.enqueue(queue, {});
      const summary = await eventually(
        async () => {
          const job = await queue.getJob(parent.id!);
          return (await job?.getState()) === 'completed'
            ? (job!.returnvalue as IterationSummary)
            : undefined;
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
});
