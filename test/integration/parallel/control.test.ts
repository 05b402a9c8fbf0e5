// Pause, resume and cancel asked on the parent of a parallel run, from another client than the
// workers': every partition obeys, from any worker.
import { describe, expect, it } from 'vitest';

import { cancelRun, getRun, listRuns, pauseRun, resumeRun } from '../../../src/index.js';
import { withCluster } from '../../support/backends.js';
import { eventually, sleep } from '../../support/iteration.js';
import { duplicates, range } from '../../support/jobs.js';
import { uniqueQueueName } from '../../support/names.js';
import { parallelCounter, workers } from './support.js';

describe.each(withCluster)('parallel run control on $name', (b) => {
  it('pause on the parent parks every partition; resume continues them; each item once', async () => {
    const queueName = uniqueQueueName('parallel-pause');
    const queue = b.queue(queueName);
    const operator = b.queue(queueName);
    const c = parallelCounter({ total: 400, partitions: 4, stepMs: 4 });
    const pool = workers(b, queueName, c.job, 2);
    try {
      const parent = await c.job.enqueue(queue, {});
      await eventually(() => (c.seen.length >= 20 ? true : undefined), 'items to run');
      const asked = await pauseRun(operator, parent.id!, { reason: 'maintenance' });
      expect(['pausing', 'paused']).toContain(asked.status);
      const paused = await eventually(async () => {
        const run = await getRun(operator, parent.id!);
        return run.status === 'paused' ? run : undefined;
      }, 'the run to be paused');
      expect(paused.partitions!.map((p) => p.status)).toEqual(Array(4).fill('paused'));
      expect(paused.control).toMatchObject({ action: 'pause', reason: 'maintenance' });
      const atPause = c.seen.length;
      expect(atPause).toBeLessThan(400);
      // Parked partitions hold no worker slot and process nothing.
      await sleep(300);
      expect(c.seen.length).toBe(atPause);

      await resumeRun(operator, parent.id!);
      const done = await eventually(
        async () => {
          const run = await getRun(operator, parent.id!);
          return run.status === 'completed' ? run : undefined;
        },
        'the run to complete',
        40_000,
      );
      expect(done.processed).toBe(400);
      expect(duplicates(c.seen)).toEqual([]);
      expect([...c.seen].sort((x, y) => x - y)).toEqual(range(400));
      expect(c.calls).toMatchObject({ start: 1, complete: 1 });
    } finally {
      await Promise.all(pool.map((w) => w.close()));
    }
  });

  it('cancel on the parent cancels every partition and ends the run cancelled, without onComplete', async () => {
    const queueName = uniqueQueueName('parallel-cancel');
    const queue = b.queue(queueName);
    const operator = b.queue(queueName);
    const c = parallelCounter({ total: 1_000, partitions: 4, stepMs: 4 });
    const pool = workers(b, queueName, c.job, 2);
    try {
      const parent = await c.job.enqueue(queue, {});
      await eventually(() => (c.seen.length >= 20 ? true : undefined), 'items to run');
      await cancelRun(operator, parent.id!, { reason: 'wrong params' });
      const run = await eventually(
        async () => {
          const info = await getRun(operator, parent.id!);
          return info.status === 'cancelled' ? info : undefined;
        },
        'the run to be cancelled',
        40_000,
      );
      expect((await queue.getJob(parent.id!))?.returnvalue).toMatchObject({ outcome: 'cancelled' });
      expect(run.partitions!.map((p) => p.status)).toEqual(Array(4).fill('cancelled'));
      expect(run.processed).toBe(c.seen.length);
      expect(run.processed).toBeLessThan(1_000);
      expect(c.calls).toMatchObject({ start: 1, complete: 0 });
      expect(duplicates(c.seen)).toEqual([]);
    } finally {
      await Promise.all(pool.map((w) => w.close()));
    }
  });

  it('listRuns shows the run once, with its partitions folded in', async () => {
    const queueName = uniqueQueueName('parallel-list');
    const queue = b.queue(queueName);
    const c = parallelCounter({ total: 60, partitions: 3 });
    const pool = workers(b, queueName, c.job, 1);
    try {
      const parent = await c.job.enqueue(queue, {});
      await eventually(
        async () => ((await parent.getState()) === 'completed' ? true : undefined),
        'the run',
      );
      const runs = await listRuns(queue);
      expect(runs.map((r) => r.jobId)).toEqual([parent.id]);
      expect(runs[0]).toMatchObject({ status: 'completed', processed: 60, total: 60 });
      expect(runs[0]!.partitions).toHaveLength(3);
    } finally {
      await Promise.all(pool.map((w) => w.close()));
    }
  });

  it('a run paused before it started parks without planning; resume plans and runs it', async () => {
    const queueName = uniqueQueueName('parallel-pause-early');
    const queue = b.queue(queueName);
    const c = parallelCounter({ total: 60, partitions: 3 });
    const parent = await c.job.enqueue(queue, {});
    await pauseRun(queue, parent.id!);
    const pool = workers(b, queueName, c.job, 1);
    try {
      const paused = await eventually(async () => {
        const run = await getRun(queue, parent.id!);
        return run.status === 'paused' ? run : undefined;
      }, 'the parent to park');
      expect(paused.partitions).toBeUndefined();
      expect(c.calls).toMatchObject({ start: 0, plans: 0 });
      await resumeRun(queue, parent.id!);
      const done = await eventually(async () => {
        const run = await getRun(queue, parent.id!);
        return run.status === 'completed' ? run : undefined;
      }, 'the run to complete');
      expect(done).toMatchObject({ processed: 60 });
      expect(c.calls).toMatchObject({ start: 1, plans: 1, complete: 1 });
    } finally {
      await Promise.all(pool.map((w) => w.close()));
    }
  });
});
