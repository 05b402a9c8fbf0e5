// Adaptive concurrency: a parallel run whose health condition degrades and recovers sheds
// partitions (they park at an item boundary, no attempt) down to minConcurrentPartitions, then
// adds them back one at a time; nothing is lost or done twice.
import { describe, expect, it } from 'vitest';

import type { BuildEnumeratorArgs, IterationRunInfo, RangePartition } from '../../../src/index.js';
import { defineIterationJob, getRun, range } from '../../../src/index.js';
import { backends } from '../../support/backends.js';
import { eventually, iterationWorker } from '../../support/iteration.js';
import { duplicates } from '../../support/jobs.js';
import { uniqueQueueName } from '../../support/names.js';

const fast = { controlPollIntervalMs: 100, progressIntervalMs: 100 };

describe.each(backends)('adaptive concurrency on $name', (b) => {
  it('sheds partitions while health is degraded and adds them back as it recovers', async () => {
    const queueName = uniqueQueueName('adaptive');
    const queue = b.queue(queueName);
    let degraded = false;
    let recovered = false;
    const items: number[] = [];
    const job = defineIterationJob({
      name: 'adaptive',
      partitions: () => Array.from({ length: 8 }, (_, i) => ({ from: i * 250, to: (i + 1) * 250 })),
      adaptiveConcurrency: {
        minConcurrentPartitions: 2,
        health: { name: 'database', check: () => degraded },
      },
      buildEnumerator: ({
        partition,
        cursor,
      }: BuildEnumeratorArgs<object, number, RangePartition>) => range({ ...partition, cursor }),
      async eachIteration(item, ctx) {
        // Each partition waits at its last 50 items until the test saw the recovery, so the run
        // cannot end first on a slow machine. A shed partition gives up the wait (an interruption:
        // the item is redone when it is added back).
        while (!recovered && item % 250 >= 200) {
          if (ctx.signal.aborted) throw ctx.signal.reason;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        items.push(item);
        await new Promise((resolve) => setTimeout(resolve, 8));
      },
    });
    const workers = [1, 2].map(() =>
      iterationWorker(b, queueName, [job as never], { ...fast, concurrency: 4 }),
    );
    const seen: IterationRunInfo[] = [];
    const watch = async (check: (run: IterationRunInfo) => boolean, what: string) =>
      eventually(
        async () => {
          const run = await getRun(queue, parent.id!);
          seen.push(run);
          return check(run) ? run : undefined;
        },
        what,
        30_000,
      );
    const parent = await job.enqueue(queue, {});
    try {
      await watch((r) => (r.concurrency?.active ?? 0) >= 6, 'most partitions running');
      degraded = true;
      const low = await watch(
        (r) => r.concurrency?.target === 2 && r.concurrency.active <= 2,
        'the run shed down to two',
      );
      expect(low.concurrency).toMatchObject({ max: 8, reason: expect.stringMatching(/database/) });
      expect(low.partitions?.some((p) => p.status === 'shed')).toBe(true);
      degraded = false;
      await watch((r) => (r.concurrency?.target ?? 0) >= 4, 'partitions added back');
      recovered = true;
      await eventually(
        async () => ((await parent.getState()) === 'completed' ? true : undefined),
        'the run',
        60_000,
      );
      expect(duplicates(items)).toEqual([]);
      expect(new Set(items).size).toBe(2_000);
      // Shedding is not a failure: no partition counted an attempt for it.
      const final = await getRun(queue, parent.id!);
      expect(final.partitions?.every((p) => p.attemptsMade <= 1)).toBe(true);
      // The target went down by halves, never below the minimum.
      const targets = seen.map((r) => r.concurrency?.target).filter((t) => t !== undefined);
      expect(Math.min(...targets)).toBe(2);
    } finally {
      await Promise.all(workers.map((w) => w.close()));
    }
  });
});
