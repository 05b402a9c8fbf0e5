// Rebalancing on every backend: a skewed partitioning (one partition holding 90% of the items)
// whose partitions split as the small ones finish. Every item is processed exactly once, splits
// show in getRun's partitions list, and a worker closed right after a split loses nothing.
import { describe, expect, it } from 'vitest';

import type { ParallelSummary } from '../../../src/index.js';
import { getRun, splitRange } from '../../../src/index.js';
import type { AnyQueue } from '../../support/backends.js';
import { backends } from '../../support/backends.js';
import { eventually } from '../../support/iteration.js';
import { duplicates, range } from '../../support/jobs.js';
import { uniqueQueueName } from '../../support/names.js';
import type { Span } from './support.js';
import { parallelCounter, workers } from './support.js';

/** 4 partitions over 0..total-1, the first with 90% of the items. */
function skewed(total: number): Span[] {
  const big = Math.floor(total * 0.9);
  const small = Math.floor((total - big) / 3);
  return [
    { from: 0, to: big },
    { from: big, to: big + small },
    { from: big + small, to: big + 2 * small },
    { from: big + 2 * small, to: total },
  ];
}

/** The counter's cursor is the last item done; splitRange takes the next one. */
const split = ({ partition, cursor }: { partition: Span; cursor: number | null }) =>
  splitRange(partition, cursor === null ? null : cursor + 1, { minItems: 20 });

async function completed(queue: AnyQueue, id: string): Promise<ParallelSummary> {
  return eventually(
    async () => {
      if ((await queue.getJob(id))?.finishedOn === undefined) return undefined;
      if ((await queue.getJob(id).then((j) => j?.getState())) !== 'completed') return undefined;
      return (await queue.getJob(id))!.returnvalue as ParallelSummary;
    },
    'the parent to complete',
    90_000,
  );
}

describe.each(backends)('rebalancing on $name', (b) => {
  it('splits the big partition as the small ones finish: every item exactly once', async () => {
    const queueName = uniqueQueueName('rebalance');
    const queue = b.queue(queueName);
    const total = 600;
    const c = parallelCounter({
      total,
      partitions: skewed(total),
      stepMs: 2,
      splitPartition: split,
    });
    const pool = workers(b, queueName, c.job, 3);
    try {
      const parent = await c.job.enqueue(queue, {});
      const summary = await completed(queue, parent.id!);
      expect(duplicates(c.seen)).toEqual([]);
      expect([...c.seen].sort((x, y) => x - y)).toEqual(range(total));
      expect(c.calls).toMatchObject({ start: 1, complete: 1, processedAtComplete: [total] });
      expect(summary).toMatchObject({ outcome: 'completed', processed: total });
      const run = await getRun(queue, parent.id!);
      const splits = run.partitions!.filter((p) => p.splitOf !== undefined);
      expect(splits.length).toBeGreaterThan(0);
      expect(summary.partitions).toBe(run.partitions!.length);
      expect(run).toMatchObject({ status: 'completed', processed: total, total });
      expect(run.partitions!.every((p) => p.status === 'completed')).toBe(true);
      // The first split is of partition #0: its pieces take its tail, up to where it ended.
      const first = splits.find((p) => p.jobId === `${parent.id}-p0s1`);
      expect(first).toMatchObject({ index: 0, splitOf: `${parent.id}-p0` });
      const ends = splits
        .filter((p) => p.splitOf === `${parent.id}-p0`)
        .map((p) => (p.partition as unknown as Span).to);
      expect(Math.max(...ends)).toBe(skewed(total)[0]!.to);
    } finally {
      await Promise.all(pool.map((w) => w.close()));
    }
  });

  it('a worker closed right after a split (a deploy): every item still exactly once', async () => {
    const queueName = uniqueQueueName('rebalance-deploy');
    const queue = b.queue(queueName);
    const total = 600;
    const c = parallelCounter({
      total,
      partitions: skewed(total),
      stepMs: 3,
      splitPartition: split,
    });
    const [leaving, ...staying] = workers(b, queueName, c.job, 3);
    try {
      const parent = await c.job.enqueue(queue, {});
      await eventually(
        async () => ((await queue.getJob(`${parent.id}-p0s1`)) ? true : undefined),
        'a first split',
        60_000,
      );
      await leaving!.close();
      const summary = await completed(queue, parent.id!);
      expect(duplicates(c.seen)).toEqual([]);
      expect([...c.seen].sort((x, y) => x - y)).toEqual(range(total));
      expect(summary).toMatchObject({ outcome: 'completed', processed: total });
      expect(c.calls.complete).toBe(1);
    } finally {
      await Promise.all([leaving, ...staying].map((w) => w!.close()));
    }
  });

  it('rebalance: false keeps the planned partitions', async () => {
    const queueName = uniqueQueueName('rebalance-off');
    const queue = b.queue(queueName);
    const total = 200;
    const c = parallelCounter({
      total,
      partitions: skewed(total),
      stepMs: 1,
      splitPartition: split,
      rebalance: false,
    });
    const pool = workers(b, queueName, c.job, 2);
    try {
      const parent = await c.job.enqueue(queue, {});
      await completed(queue, parent.id!);
      expect([...c.seen].sort((x, y) => x - y)).toEqual(range(total));
      const run = await getRun(queue, parent.id!);
      expect(run.partitions!.map((p) => p.jobId)).toEqual(
        [0, 1, 2, 3].map((i) => `${parent.id}-p${i}`),
      );
    } finally {
      await Promise.all(pool.map((w) => w.close()));
    }
  });
});
