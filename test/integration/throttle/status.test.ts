// Status while throttled, on every backend: a run throttled by the check before buildEnumerator
// (so before it could size its enumerator) still publishes the total the job's last run counted,
// so getRun shows the total and the percentage instead of losing them at the second throttle.
import { describe, expect, it } from 'vitest';

import type { IterationProgress, IterationThrottledEvent } from '../../../src/index.js';
import { getRun } from '../../../src/index.js';
import { backends } from '../../support/backends.js';
import { completion, eventually, iterationWorker } from '../../support/iteration.js';
import { counter } from '../../support/jobs.js';
import { uniqueQueueName } from '../../support/names.js';

describe.each(backends)('status while throttled on $name', (b) => {
  it('keeps the total and the percentage through runs throttled before they size their enumerator', async () => {
    const queueName = uniqueQueueName('throttle-total');
    const queue = b.queue(queueName);
    let blocked = false;
    let builds = 0;
    const c = counter({
      total: 20,
      size: 20,
      throttle: { name: 'maintenance', check: () => blocked, backoffMs: 400 },
      onItem: (item) => {
        if (item === 4) blocked = true;
      },
      onResume: () => void builds++,
    });
    const worker = iterationWorker(b, queueName, [c.job]);
    const events: IterationThrottledEvent[] = [];
    worker.on('iteration.throttled', (event) => void events.push(event));
    try {
      const job = await c.job.enqueue(queue, {});
      const done = completion(worker, job.id!);
      // The first throttle ends a run that sized its enumerator; the next ones end runs that
      // stopped at the check before buildEnumerator. Each waits 400 ms in the delayed set: long
      // enough to read its status before the next run starts.
      await eventually(() => events[2], 'a third throttle');
      expect(events.map((e) => e.processed)).toEqual([5, 5, 5]);

      const progress = (await queue.getJob(job.id!))!.progress as IterationProgress;
      expect(progress).toMatchObject({
        status: 'throttled',
        processed: 5,
        total: 20,
        progress: 25,
      });
      const run = await getRun(queue, job.id!);
      expect(run).toMatchObject({ status: 'throttled', processed: 5, total: 20, percentage: 25 });

      blocked = false;
      await done;
      expect(c.seen).toEqual([...Array(20).keys()]);
      expect(builds).toBeGreaterThanOrEqual(3);
    } finally {
      await worker.close();
    }
  });
});
