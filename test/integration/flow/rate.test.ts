// A run's rate limit holds for the whole run, across its partitions and workers, counted in rows;
// it comes from the definition, the enqueue options or setRunRate, which changes it while the run
// goes on. The checks are upper bounds on what ran in a window (the limit is a correctness
// property: the budget is never overspent), not speed claims; figures are in npm run bench.
import { describe, expect, it } from 'vitest';

import type { BuildEnumeratorArgs, RangePartition } from '../../../src/index.js';
import { batches, defineIterationJob, getRun, range, setRunRate } from '../../../src/index.js';
import { withCluster } from '../../support/backends.js';
import { completion, eventually, iterationWorker } from '../../support/iteration.js';
import { duplicates } from '../../support/jobs.js';
import { uniqueQueueName } from '../../support/names.js';

const fast = { controlPollIntervalMs: 100, progressIntervalMs: 100 };

/** The most rows done in any window of `windowMs`, from (time, rows) records. */
function peak(done: readonly (readonly [number, number])[], windowMs: number): number {
  let most = 0;
  let sum = 0;
  let start = 0;
  for (let end = 0; end < done.length; end++) {
    sum += done[end]![1];
    while (done[end]![0] - done[start]![0] >= windowMs) sum -= done[start++]![1];
    most = Math.max(most, sum);
  }
  return most;
}

describe.each(withCluster)('rate limits on $name', (b) => {
  it('a parallel run keeps to its budget across partitions and workers, counted in rows', async () => {
    const queueName = uniqueQueueName('rate-parallel');
    const queue = b.queue(queueName);
    const done: [number, number][] = [];
    const items: number[] = [];
    const job = defineIterationJob({
      name: 'rate-parallel',
      rate: { itemsPerSecond: 400, burst: 40 },
      partitions: () => [0, 1, 2, 3].map((i) => ({ from: i * 300, to: (i + 1) * 300 })),
      buildEnumerator: ({
        partition,
        cursor,
      }: BuildEnumeratorArgs<object, number, RangePartition>) =>
        batches(range({ ...partition, cursor }), 5),
      eachIteration(batch) {
        done.push([Date.now(), batch.length]);
        items.push(...batch);
      },
    });
    const workers = [1, 2].map(() =>
      iterationWorker(b, queueName, [job as never], { ...fast, concurrency: 2 }),
    );
    try {
      const parent = await job.enqueue(queue, {});
      await eventually(
        async () => ((await parent.getState()) === 'completed' ? true : undefined),
        'the run',
        30_000,
      );
      expect(duplicates(items)).toEqual([]);
      expect(items).toHaveLength(1_200);
      // 1,200 rows at 400 a second: never more than a second's worth plus the burst in a second.
      expect(peak(done, 1_000)).toBeLessThanOrEqual(400 + 40 + 5 * 4);
      expect(await getRun(queue, parent.id!)).toMatchObject({
        rate: { itemsPerSecond: 400, source: 'definition' },
      });
    } finally {
      await Promise.all(workers.map((w) => w.close()));
    }
  });

  it('setRunRate changes the limit while the run goes on; null removes it', async () => {
    const queueName = uniqueQueueName('rate-live');
    const queue = b.queue(queueName);
    const done: [number, number][] = [];
    const job = defineIterationJob({
      name: 'rate-live',
      buildEnumerator: ({ cursor }: BuildEnumeratorArgs<object, number>) =>
        range({ to: 2_000, cursor }),
      eachIteration() {
        done.push([Date.now(), 1]);
      },
    });
    const worker = iterationWorker(b, queueName, [job], fast);
    try {
      const added = await job.enqueue(queue, {}, { rate: { itemsPerSecond: 50, burst: 10 } });
      await eventually(() => (done.length >= 20 ? true : undefined), 'a few items');
      expect(await getRun(queue, added.id!)).toMatchObject({
        status: 'running',
        rate: { itemsPerSecond: 50, source: 'enqueue' },
      });
      // At 50 a second from the enqueue options: a second holds 60 at most.
      expect(peak(done, 1_000)).toBeLessThanOrEqual(60);
      await setRunRate(queue, added.id!, 100);
      const changedAt = Date.now();
      await eventually(() => (done.length >= 200 ? true : undefined), 'more items');
      expect(await getRun(queue, added.id!)).toMatchObject({
        rate: { itemsPerSecond: 100, source: 'set' },
      });
      const after = done.filter(([at]) => at > changedAt + 1_000);
      expect(peak(after, 1_000)).toBeLessThanOrEqual(100 + 10 + 5);
      await setRunRate(queue, added.id!, null);
      expect(await completion(worker, added.id!)).toMatchObject({ processed: 2_000 });
      expect((await getRun(queue, added.id!)).rate).toBeUndefined();
    } finally {
      await worker.close();
    }
  });
});
