// How a cancelled parallel run shows in tools that read BullMQ's own state (bull-board, Taskforce,
// QueueEvents), exactly as the operating guide documents it: BullMQ has no cancelled state, so the
// parent and its partitions are `completed`, and what tells a cancel from a success is the return
// value (`outcome: 'cancelled'`) and the progress object (`status: 'cancelled'`), which those
// tools display; this library's status, the console and waitForRun say `cancelled`. The console's
// run index lists the run once, by its parent.
import { describe, expect, it } from 'vitest';

import { cancelRun, pageRuns, waitForRun } from '../../../src/index.js';
import { backends } from '../../support/backends.js';
import { eventually } from '../../support/iteration.js';
import { uniqueQueueName } from '../../support/names.js';
import { parallelCounter, workers } from './support.js';

describe.each(backends)('a cancelled parallel run in BullMQ on $name', (b) => {
  it('is completed with outcome and progress status cancelled, on the parent and partitions', async () => {
    const queueName = uniqueQueueName('parallel-cancel-state');
    const queue = b.queue(queueName);
    const c = parallelCounter({ total: 1_000, partitions: 3, stepMs: 4 });
    const pool = workers(b, queueName, c.job, 2);
    try {
      const parent = await c.job.enqueue(queue, {});
      await eventually(() => (c.seen.length >= 10 ? true : undefined), 'items to run');
      await cancelRun(queue, parent.id!, { reason: 'wrong params' });
      const finished = await waitForRun(queue, parent.id!, { timeoutMs: 40_000 });
      expect(finished.outcome).toBe('cancelled');
      const job = (await queue.getJob(parent.id!))!;
      expect(await job.getState()).toBe('completed');
      expect(job.returnvalue).toMatchObject({ outcome: 'cancelled' });
      expect(job.progress).toMatchObject({ status: 'cancelled' });
      expect(finished.run.partitions).toHaveLength(3);
      // The console's index lists the run once, by its parent, with or without a status filter.
      expect((await pageRuns(queue)).runs.map((run) => run.jobId)).toEqual([parent.id]);
      const cancelled = await pageRuns(queue, { status: 'cancelled' });
      expect(cancelled.runs.map((run) => run.jobId)).toEqual([parent.id]);
      for (const partition of finished.run.partitions ?? []) {
        const child = (await queue.getJob(partition.jobId!))!;
        expect(await child.getState()).toBe('completed');
        expect(child.returnvalue).toMatchObject({ outcome: 'cancelled' });
      }
    } finally {
      await Promise.all(pool.map((w) => w.close()));
    }
  });
});
