// Rebalancing splits what is running while a slot is idle, on every backend and on a Redis
// Cluster: a partition waiting for a slot (or not started) is never split, so a run of more
// partitions than slots splits only at its tail; every idle slot gets a piece at once; and a piece
// split off splits again when a slot frees up later (splits of splits). Every item exactly once.
import { describe, expect, it } from 'vitest';

import { getRun, splitRange } from '../../../src/index.js';
import type { SplitRecord } from '../../../src/runtime/state.js';
import { withCluster } from '../../support/backends.js';
import { eventually, sleep, storedState } from '../../support/iteration.js';
import { duplicates, range } from '../../support/jobs.js';
import { uniqueQueueName } from '../../support/names.js';
import type { Span } from './support.js';
import { parallelCounter, parentDone, spans, workers } from './support.js';

/** The counter's cursor is the last item done; splitRange takes the next one. */
const split = ({ partition, cursor }: { partition: Span; cursor: number | null }) =>
  splitRange(partition, cursor === null ? null : cursor + 1, { minItems: 5 });

/** A gate an item waits at until the test opens it. */
function gate() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe.each(withCluster)('rebalancing into idle slots on $name', (b) => {
  it('a partition not started is never split: 8 partitions on 4 slots split only at the tail', async () => {
    const queueName = uniqueQueueName('rebalance-tail');
    const queue = b.queue(queueName);
    const total = 480;
    const takenAt = new Map<string, number>();
    const c = parallelCounter({
      total,
      partitions: spans(total, 8),
      stepMs: 3,
      splitPartition: split,
      // When a worker first took each partition's job (a requeue takes it again later).
      onItem: (_item, _partition, job) => {
        if (!takenAt.has(String(job.id))) takenAt.set(String(job.id), job.processedOn!);
      },
    });
    // 2 workers of 2 slots: the second half of the plan waits for the first.
    const pool = workers(b, queueName, c.job, 2, { concurrency: 2 });
    try {
      const parent = await c.job.enqueue(queue, {});
      await parentDone(queue, parent.id!);
      expect(duplicates(c.seen)).toEqual([]);
      expect([...c.seen].sort((x, y) => x - y)).toEqual(range(total));
      // Every planned partition was taken by a worker before any split: none was split while one
      // waited for a slot.
      const run = await getRun(queue, parent.id!);
      const planned = run.partitions!.filter((p) => p.splitOf === undefined);
      expect(planned).toHaveLength(8);
      const allTaken = Math.max(...planned.map((p) => takenAt.get(p.jobId)!));
      expect(allTaken).toBeGreaterThan(0);
      const records: SplitRecord[] = [];
      for (const p of run.partitions!) {
        records.push(...((await storedState(b, queueName, p.jobId))?.splits ?? []));
      }
      for (const record of records) {
        // Split by a partition that had finished an item, once no partition waited.
        expect(record.cursor).not.toBeNull();
        expect(record.at).toBeGreaterThanOrEqual(allTaken);
      }
    } finally {
      await Promise.all(pool.map((w) => w.close()));
    }
  });

  it('every idle slot gets a piece: three slots freed at once give three pieces before any finishes', async () => {
    const queueName = uniqueQueueName('rebalance-slots');
    const queue = b.queue(queueName);
    const smalls = gate();
    const big = gate();
    // One big partition and three of one item each, held at their item until the test opens them;
    // the big one waits at its 11th item until the three small ones have completed, so their three
    // requests all reach it before it can serve one.
    const c = parallelCounter({
      total: 403,
      partitions: [
        { from: 0, to: 400 },
        { from: 400, to: 401 },
        { from: 401, to: 402 },
        { from: 402, to: 403 },
      ],
      stepMs: 10,
      splitPartition: split,
      onItem: async (item) => {
        if (item >= 400) await smalls.opened;
        if (item === 10) await big.opened;
      },
    });
    const pool = workers(b, queueName, c.job, 2, { concurrency: 2 });
    try {
      const parent = await c.job.enqueue(queue, {});
      const id = parent.id!;
      await eventually(() => (c.seen.includes(10) ? true : undefined), 'the big one at item 10');
      smalls.open();
      await eventually(async () => {
        const run = await getRun(queue, id);
        const done = run.partitions!.filter((p) => p.index > 0 && p.status === 'completed');
        return done.length === 3 ? true : undefined;
      }, 'the three small partitions to complete');
      big.open();
      // Three slots are idle: three pieces of the big partition while it and every piece still
      // run (one split per completion would make one, and the next only when a piece finished).
      const whenSplit = await eventually(
        async () => {
          const run = await getRun(queue, id);
          const ofBig = run.partitions!.filter((p) => p.index === 0);
          const pieces = ofBig.filter((p) => p.splitOf !== undefined).length;
          const finished = ofBig.filter((p) => p.status === 'completed').map((p) => p.jobId);
          return pieces >= 3 || finished.length > 0 ? { pieces, finished } : undefined;
        },
        'three pieces of the big partition',
        40_000,
      );
      expect(whenSplit.finished).toEqual([]);
      expect(whenSplit.pieces).toBeGreaterThanOrEqual(3);
      await parentDone(queue, id, 40_000);
      expect(duplicates(c.seen)).toEqual([]);
      expect([...c.seen].sort((x, y) => x - y)).toEqual(range(403));
    } finally {
      smalls.open();
      big.open();
      await Promise.all(pool.map((w) => w.close()));
    }
  });

  it('splits of splits: a piece split off splits again when a slot frees up', async () => {
    const queueName = uniqueQueueName('rebalance-again');
    const queue = b.queue(queueName);
    const first = gate();
    const second = gate();
    // One big partition and two of one item each, held at their item until the test opens them.
    const c = parallelCounter({
      total: 402,
      partitions: [
        { from: 0, to: 400 },
        { from: 400, to: 401 },
        { from: 401, to: 402 },
      ],
      stepMs: 2,
      splitPartition: split,
      onItem: async (item, partition) => {
        if (item === 400) await first.opened;
        if (item === 401) await second.opened;
        // A piece split off the big partition runs slower, so it has the most left later.
        if (partition.from > 0 && partition.to <= 400) await sleep(8);
      },
    });
    const pool = workers(b, queueName, c.job, 2, { concurrency: 2 });
    try {
      const parent = await c.job.enqueue(queue, {});
      const id = parent.id!;
      await eventually(
        () => (c.seen.filter((i) => i < 400).length >= 20 ? true : undefined),
        '20 items',
      );
      // A slot frees up: the big partition, the only one running with items left, splits.
      first.open();
      const piece = await eventually(
        async () => {
          const job = await queue.getJob(`${id}-p0s1`);
          const status = (job?.progress as { status?: string } | undefined)?.status;
          return status === 'running' ? job : undefined;
        },
        'the first split to run',
        60_000,
      );
      expect(await queue.getJob(`${id}-p0s2`)).toBeUndefined();
      // Another slot frees up: the piece, now the partition with the most left, splits in turn.
      await sleep(300);
      second.open();
      await parentDone(queue, id);
      expect(duplicates(c.seen)).toEqual([]);
      expect([...c.seen].sort((x, y) => x - y)).toEqual(range(402));
      const run = await getRun(queue, id);
      const again = run.partitions!.find((p) => p.splitOf === piece.id);
      expect(again).toMatchObject({ index: 0, status: 'completed' });
      expect(run).toMatchObject({ status: 'completed', processed: 402 });
    } finally {
      first.open();
      second.open();
      await Promise.all(pool.map((w) => w.close()));
    }
  });
});
