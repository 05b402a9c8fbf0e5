// A parallel run meets the other features: a replay or a restart of one partition runs that
// partition only (never the whole run again), a split request waiting when a partition starts is
// served once its params are known, and a splitter that throws never fails a partition.
import type { Job } from 'bullmq';
import { describe, expect, it } from 'vitest';

import type { BuildEnumeratorArgs, RangePartition } from '../../../src/index.js';
import {
  defineIterationJob,
  getFailedItems,
  range as rangeOf,
  rangePartitions,
  restartRun,
  retryFailedItems,
  splitRange,
} from '../../../src/index.js';
import { requestSplit } from '../../../src/parallel/rebalance.js';
import { backends } from '../../support/backends.js';
import { eventually } from '../../support/iteration.js';
import { duplicates, range } from '../../support/jobs.js';
import { uniqueQueueName } from '../../support/names.js';
import { parentDone, workers } from './support.js';

async function finished(job: Job): Promise<void> {
  await eventually(
    async () => ((await job.getState()) === 'completed' ? true : undefined),
    `job ${job.id} to complete`,
    30_000,
  );
}

/** Items 0..to-1 in two partitions planned from the params; `broken` items fail until fixed. */
function planned(seen: number[], broken: Set<number>, extra: object = {}) {
  return defineIterationJob({
    name: 'planned-from-params',
    partitions: ({ params }: { params: { to: number } }) =>
      rangePartitions({ from: 0, to: params.to, count: 2 }),
    buildEnumerator: ({
      partition,
      cursor,
    }: BuildEnumeratorArgs<{ to: number }, number, RangePartition>) =>
      rangeOf({ from: partition.from, to: partition.to, cursor }),
    eachIteration(item) {
      if (broken.has(item)) throw new Error(`row ${item} is broken`);
      seen.push(item);
    },
    itemErrors: { retries: 0, action: 'skip' },
    ...extra,
  });
}

describe.each(backends)('parallel runs composed with other features on $name', (b) => {
  it('a replay of one partition replays its recorded item only; of the run, every partition', async () => {
    const queueName = uniqueQueueName('compose-replay');
    const queue = b.queue(queueName);
    const seen: number[] = [];
    const broken = new Set([3, 13, 17]);
    const job = planned(seen, broken);
    const pool = workers(b, queueName, job as never, 2);
    try {
      const parent = await job.enqueue(queue, { to: 20 });
      expect(await parentDone(queue, parent.id!)).toMatchObject({ processed: 17, skipped: 3 });
      expect((await getFailedItems(queue, parent.id!)).items.map((f) => f.item)).toEqual([
        '3',
        '13',
        '17',
      ]);
      broken.clear();
      seen.length = 0;
      // One partition: its item alone, not the whole run planned again from the params.
      const one = await retryFailedItems(queue as never, `${parent.id}-p1`);
      await finished(one);
      expect(seen.sort((x, y) => x - y)).toEqual([13, 17]);
      expect((await getFailedItems(queue, parent.id!)).items.map((f) => f.item)).toEqual(['3']);
      // The run: what is left, in every partition.
      seen.length = 0;
      const all = await retryFailedItems(queue as never, parent.id!);
      await finished(all);
      expect(seen).toEqual([3]);
      expect((await getFailedItems(queue, parent.id!)).items).toEqual([]);
      expect((await queue.getJob(all.id!))!.returnvalue).toMatchObject({ processed: 1 });
    } finally {
      await Promise.all(pool.map((w) => w.close()));
    }
  });

  it("a restart of one partition runs that partition's bounds only", async () => {
    const queueName = uniqueQueueName('compose-restart');
    const queue = b.queue(queueName);
    const seen: number[] = [];
    const job = planned(seen, new Set());
    const pool = workers(b, queueName, job as never, 2);
    try {
      const parent = await job.enqueue(queue, { to: 20 });
      await parentDone(queue, parent.id!);
      seen.length = 0;
      const { job: again } = await restartRun(queue as never, `${parent.id}-p0`);
      await finished(again);
      expect(seen).toEqual(range(10));
      // Cleared before the restart: its first items may run before restartRun returns.
      seen.length = 0;
      const { job: fromCursor } = await restartRun(queue as never, `${parent.id}-p1`, {
        fromCursor: 15,
      });
      await finished(fromCursor);
      expect(seen).toEqual([15, 16, 17, 18, 19]);
    } finally {
      await Promise.all(pool.map((w) => w.close()));
    }
  });

  it.each([
    ['served once its params are known', 0],
    ['left whole, failing nothing, when the splitter throws', Infinity],
  ])('a split request waiting when a partition starts is %s', async (_, failures) => {
    const queueName = uniqueQueueName('compose-split');
    const queue = b.queue(queueName);
    const seen: number[] = [];
    const calls: unknown[] = [];
    let throws = failures;
    const job = defineIterationJob({
      name: 'split-at-start',
      partitions: () => [
        { from: 0, to: 40 },
        { from: 40, to: 200 },
      ],
      buildEnumerator: ({
        partition,
        cursor,
      }: BuildEnumeratorArgs<object, number, RangePartition>) =>
        rangeOf({ from: partition.from, to: partition.to, cursor }),
      async eachIteration(item) {
        seen.push(item);
        await new Promise((resolve) => setTimeout(resolve, 2));
      },
      splitPartition: ({ partition, cursor, params }) => {
        // The params are known when a split is served, even one waiting since before the start.
        calls.push(params);
        if (throws-- > 0) throw new Error('the splitter is broken');
        return splitRange(partition, cursor, { minItems: 10 });
      },
      rebalance: true,
    });
    // One slot: the second partition waits while the first runs.
    const [worker] = workers(b, queueName, job as never, 1, { concurrency: 1 });
    try {
      const parent = await job.enqueue(queue, { region: 'eu' });
      const waiting = await eventually(async () => {
        const p1 = await queue.getJob(`${parent.id}-p1`);
        return p1 !== undefined && (await p1.getState()) === 'waiting' ? p1 : undefined;
      }, 'the second partition to wait');
      await requestSplit({ index: 1, jobId: waiting.id!, job: waiting, state: 'waiting' });
      const summary = await parentDone(queue, parent.id!);
      expect(summary).toMatchObject({ outcome: 'completed', processed: 200 });
      expect(duplicates(seen)).toEqual([]);
      expect([...seen].sort((x, y) => x - y)).toEqual(range(200));
      expect(calls[0]).toEqual({ region: 'eu' });
      const split = await queue.getJob(`${parent.id}-p1s1`);
      if (failures === 0) expect(await split?.getState()).toBe('completed');
      else expect(split).toBeUndefined();
      // No partition failed or counted an attempt for the split, served or not.
      for (const id of [`${parent.id}-p0`, `${parent.id}-p1`]) {
        const p = (await queue.getJob(id))!;
        expect(await p.getState()).toBe('completed');
        expect(p.failedReason).toBeFalsy();
      }
    } finally {
      await worker!.close();
    }
  });
});
