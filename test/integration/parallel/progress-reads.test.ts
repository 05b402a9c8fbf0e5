// What a parallel run's aggregate progress costs the store: each republication reads every
// partition of the run, so partitions completing must not each force one (that read the run's
// partitions once per partition, O(P²) reads a run); the parent still ends with the whole figures.
import { describe, expect, it, vi } from 'vitest';

import type * as RunProgress from '../../../src/parallel/run-progress.js';
import { backends } from '../../support/backends.js';
import { uniqueQueueName } from '../../support/names.js';
import { parallelCounter, parentDone, workers } from './support.js';

const published = vi.hoisted(() => ({ count: 0 }));

vi.mock('../../../src/parallel/run-progress.js', async (original) => {
  const actual = await original<typeof RunProgress>();
  return {
    ...actual,
    publishRunProgress: (...args: Parameters<typeof actual.publishRunProgress>) => {
      published.count++;
      return actual.publishRunProgress(...args);
    },
  };
});

describe.each(backends)('parallel run progress on $name', (b) => {
  it('partitions completing do not each republish the whole run', async () => {
    const queueName = uniqueQueueName('progress-reads');
    const queue = b.queue(queueName);
    const partitions = 12;
    const c = parallelCounter({ total: 240, partitions, stepMs: 1 });
    // One process, and an interval longer than the run: its throttle allows one republication.
    const pool = workers(b, queueName, c.job, 1, { concurrency: 4, progressIntervalMs: 600_000 });
    published.count = 0;
    try {
      const parent = await c.job.enqueue(queue, {});
      const summary = await parentDone(queue, parent.id!);
      expect(summary).toMatchObject({ outcome: 'completed', processed: 240, partitions });
      // Without the throttle on completions: one per partition, 12 or more.
      expect(published.count).toBeGreaterThanOrEqual(1);
      expect(published.count).toBeLessThanOrEqual(2);
      expect((await queue.getJob(parent.id!))?.progress).toMatchObject({
        progress: 100,
        processed: 240,
      });
    } finally {
      await Promise.all(pool.map((w) => w.close()));
    }
  });
});
