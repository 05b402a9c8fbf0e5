// Failure policy: a partition that exhausts its attempts fails the run; `onPartitionFailure`
// chooses whether the other partitions finish their work or are cancelled at once.
import { describe, expect, it } from 'vitest';

import { getRun, type IterationRunInfo } from '../../../src/index.js';
import { backends } from '../../support/backends.js';
import { eventually } from '../../support/iteration.js';
import { duplicates, range } from '../../support/jobs.js';
import { uniqueQueueName } from '../../support/names.js';
import { parallelCounter, workers } from './support.js';

const BAD_ITEM = 5;

describe.each(backends)('partition failures on $name', (b) => {
  async function failedRun(queue: ReturnType<typeof b.queue>, id: string) {
    return eventually(
      async () => {
        const run = await getRun(queue, id);
        return run.status === 'failed' ? run : undefined;
      },
      'the run to fail',
      40_000,
    );
  }

  it("'finish-others' (the default): the others finish their items, then the run fails", async () => {
    const queueName = uniqueQueueName('parallel-fail-finish');
    const queue = b.queue(queueName);
    const c = parallelCounter({
      total: 120,
      partitions: 4,
      stepMs: 1,
      maxConcurrentPartitions: 2,
      defaultJobOptions: { attempts: 2, backoff: 0 },
      onItem: (item) => {
        if (item === BAD_ITEM) throw new Error(`item ${item} is broken`);
      },
    });
    const pool = workers(b, queueName, c.job, 2);
    try {
      const parent = await c.job.enqueue(queue, {});
      const run: IterationRunInfo = await failedRun(queue, parent.id!);
      expect(run.partitions!.map((p) => p.status)).toEqual([
        'failed',
        'completed',
        'completed',
        'completed',
      ]);
      expect(run.partitions![0]).toMatchObject({ attemptsMade: 2, processed: BAD_ITEM });
      expect(run.partitions![0]!.lastError).toContain('item 5 is broken');
      // Every item of the other partitions, including the one after the failed one in its lane.
      const others = range(120).filter((i) => i >= 30);
      expect([...new Set(c.seen)].filter((i) => i >= 30).sort((x, y) => x - y)).toEqual(others);
      expect(duplicates(c.seen.filter((i) => i >= 30))).toEqual([]);
      const job = await queue.getJob(parent.id!);
      expect(job?.failedReason).toMatch(/1 of its 4 partitions failed.*#0.*item 5 is broken/);
      expect(c.calls).toMatchObject({ start: 1, complete: 0 });
    } finally {
      await Promise.all(pool.map((w) => w.close()));
    }
  });

  it("'cancel-others': the others are cancelled at once and pending ones never start", async () => {
    const queueName = uniqueQueueName('parallel-fail-cancel');
    const queue = b.queue(queueName);
    const c = parallelCounter({
      total: 4_000,
      partitions: 4,
      stepMs: 2,
      maxConcurrentPartitions: 3,
      onPartitionFailure: 'cancel-others',
      onItem: (item) => {
        // The first partition fails once the others are well under way.
        if (item === 150) throw new Error(`item ${item} is broken`);
      },
    });
    const pool = workers(b, queueName, c.job, 2);
    try {
      const parent = await c.job.enqueue(queue, {});
      const run = await failedRun(queue, parent.id!);
      expect(run.partitions!.map((p) => p.status)).toEqual([
        'failed',
        'cancelled',
        'cancelled',
        'pending',
      ]);
      expect(run.processed).toBeLessThan(3_000);
      expect(run.partitions![3]!.processed).toBe(0);
      expect(c.seen.filter((i) => i >= 3_000)).toEqual([]);
      expect(c.calls).toMatchObject({ start: 1, complete: 0 });
    } finally {
      await Promise.all(pool.map((w) => w.close()));
    }
  });
});
