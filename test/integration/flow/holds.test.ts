// Holds for data moves: a hold over one shard's tag parks that shard's runs at an item boundary
// (status held, with the hold's id and reason), keeps runs of the shard enqueued during the hold
// from starting any item, across a worker restart, and leaves the other shards alone; once it is
// released every run completes and every item ran once.
import { describe, expect, it } from 'vitest';

import type { BuildEnumeratorArgs, IterationWorker, RangePartition } from '../../../src/index.js';
import {
  defineIterationJob,
  getRun,
  holdRuns,
  listHolds,
  listRuns,
  range,
  releaseHold,
  retryFailedItems,
  RunControlError,
} from '../../../src/index.js';
import { withCluster } from '../../support/backends.js';
import { eventually, iterationWorker, sleep } from '../../support/iteration.js';
import { uniqueQueueName } from '../../support/names.js';

const fast = { controlPollIntervalMs: 100, progressIntervalMs: 100 };
const ITEMS = 30;

describe.each(withCluster)('holds on $name', (b) => {
  it('parks one shard, keeps its new runs from starting, spares the others; release ends all', async () => {
    const queueName = uniqueQueueName('holds');
    const queue = b.queue(queueName);
    /** Items done, by run id, with when. */
    const done = new Map<string, number[]>();
    const at: [string, number][] = [];
    const job = defineIterationJob({
      name: 'holds',
      buildEnumerator: ({ cursor }: BuildEnumeratorArgs<{ shard: string }, number>) =>
        range({ to: ITEMS, cursor }),
      async eachIteration(item, ctx) {
        const id = String(ctx.job.id);
        done.set(id, [...(done.get(id) ?? []), item]);
        at.push([id, Date.now()]);
        await sleep(20);
      },
    });
    const start = () => iterationWorker(b, queueName, [job as never], { ...fast, concurrency: 4 });
    const workers: IterationWorker[] = [start(), start(), start()];
    const shardOf = new Map<string, string>();
    const enqueue = async (shard: string) => {
      const added = await job.enqueue(queue, { shard }, { tags: { shard, kind: 'backfill' } });
      shardOf.set(added.id!, shard);
      return added.id!;
    };
    try {
      for (let i = 0; i < 60; i++) await enqueue(`db-${i % 3}`);
      const ofShard = (shard: string) =>
        [...shardOf].filter(([, s]) => s === shard).map(([id]) => id);
      await eventually(
        () => (ofShard('db-1').some((id) => (done.get(id)?.length ?? 0) > 0) ? true : undefined),
        'a run of db-1 going',
        30_000,
      );

      const hold = await holdRuns(queue, {
        tags: { shard: 'db-1' },
        reason: 'moving db-1 to db-7',
      });
      expect(hold).toMatchObject({ id: expect.any(String), tags: { shard: 'db-1' } });
      expect(await listHolds(queue)).toEqual([hold]);
      const heldAt = Date.now();
      const late = [await enqueue('db-1'), await enqueue('db-1')];

      // A worker restart during the hold: the hold is the store's, not the worker's.
      await workers[0]!.close();
      workers[0] = start();

      // The other shards finish while db-1 is held.
      await eventually(
        async () => {
          for (const id of [...ofShard('db-0'), ...ofShard('db-2')]) {
            if ((await queue.getJob(id))?.finishedOn === undefined) return undefined;
          }
          return true;
        },
        'the other shards complete during the hold',
        60_000,
      );
      // Every db-1 run that is not done is parked by the hold, with its id and reason.
      const held = await eventually(
        async () => {
          const runs = await Promise.all(ofShard('db-1').map((id) => getRun(queue, id)));
          const open = runs.filter((r) => r.status !== 'completed');
          return open.length > 0 && open.every((r) => r.status === 'held') ? open : undefined;
        },
        'every open db-1 run held',
        30_000,
      );
      expect(held[0]).toMatchObject({ hold: hold.id, statusReason: 'moving db-1 to db-7' });
      expect(held[0]!.tags).toEqual({ shard: 'db-1', kind: 'backfill' });
      // Parked within the poll: no db-1 item started two seconds after the hold, nor any of the
      // runs enqueued during it.
      const afterHold = at.filter(([id, t]) => shardOf.get(id) === 'db-1' && t > heldAt + 2_000);
      expect(afterHold).toEqual([]);
      for (const id of late) expect(done.get(id)).toBeUndefined();
      // Listed by their tags; read again when a run was moving between BullMQ states as it was
      // listed (a listing reads one state after another).
      await eventually(
        async () =>
          (await listRuns(queue, { tags: { shard: 'db-1' } })).length === ofShard('db-1').length
            ? true
            : undefined,
        'every db-1 run listed by its tags',
        10_000,
      );

      await releaseHold(queue, hold.id);
      expect(await listHolds(queue)).toEqual([]);
      await expect(releaseHold(queue, hold.id)).rejects.toBeInstanceOf(RunControlError);
      await eventually(
        async () => {
          for (const id of shardOf.keys()) {
            if ((await queue.getJob(id))?.finishedOn === undefined) return undefined;
          }
          return true;
        },
        'every run completes after the release',
        60_000,
      );
      for (const id of shardOf.keys()) {
        expect(done.get(id), `run ${id}`).toEqual(Array.from({ length: ITEMS }, (_, i) => i));
        const run = await getRun(queue, id);
        expect(run.status).toBe('completed');
        // One attempt: the one that completed it; parking counted none.
        expect(run.attemptsMade).toBe(1);
      }
    } finally {
      await Promise.all(workers.map((w) => w.close()));
    }
  });

  it('holds the partitions of a parallel run, which inherit its tags', async () => {
    const queueName = uniqueQueueName('holds-parallel');
    const queue = b.queue(queueName);
    const items: number[] = [];
    let gate = false;
    const job = defineIterationJob({
      name: 'holds-parallel',
      partitions: () => [0, 1, 2, 3].map((i) => ({ from: i * 50, to: (i + 1) * 50 })),
      buildEnumerator: ({
        partition,
        cursor,
      }: BuildEnumeratorArgs<object, number, RangePartition>) => range({ ...partition, cursor }),
      async eachIteration(item) {
        items.push(item);
        await sleep(gate ? 20 : 5);
      },
    });
    const worker = iterationWorker(b, queueName, [job as never], { ...fast, concurrency: 4 });
    try {
      const parent = await job.enqueue(queue, {}, { tags: { tenant: 't-9' } });
      gate = true;
      await eventually(() => (items.length > 0 ? true : undefined), 'the run going', 30_000);
      const hold = await holdRuns(queue, { tags: { tenant: 't-9' }, reason: 'tenant move' });
      const run = await eventually(
        async () => {
          const info = await getRun(queue, parent.id!);
          const open = (info.partitions ?? []).filter((p) => p.status !== 'completed');
          return open.length > 0 && open.every((p) => p.status === 'held') ? info : undefined;
        },
        'every open partition held',
        30_000,
      );
      expect(run.tags).toEqual({ tenant: 't-9' });
      const seen = items.length;
      await sleep(1_000);
      expect(items.length).toBe(seen);
      await releaseHold(queue, hold.id);
      await eventually(
        async () => ((await parent.getState()) === 'completed' ? true : undefined),
        'the run completes after the release',
        30_000,
      );
      expect(items.sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    } finally {
      await worker.close();
    }
  });

  it('holds a steps job with skipped items, and the replay of its records, which inherits its tags', async () => {
    const queueName = uniqueQueueName('holds-steps');
    const queue = b.queue(queueName);
    const seen: string[] = [];
    let broken = true;
    const each = (step: string) => async (item: number) => {
      if (broken && item === 7) throw new Error(`row ${item} is broken`);
      seen.push(`${step}:${item}`);
      await sleep(10);
    };
    const job = defineIterationJob({
      name: 'holds-steps',
      itemErrors: { retries: 0, action: 'skip' },
      steps: [
        {
          name: 'first',
          buildEnumerator: ({ cursor }) => range({ to: 40, cursor }),
          eachIteration: each('first'),
        },
        {
          name: 'second',
          buildEnumerator: ({ cursor }) => range({ to: 40, cursor }),
          eachIteration: each('second'),
        },
      ],
    });
    const worker = iterationWorker(b, queueName, [job as never], fast);
    const heldRuns = async (id: string) =>
      eventually(
        async () => ((await getRun(queue, id)).status === 'held' ? true : undefined),
        `run ${id} held`,
        30_000,
      );
    try {
      const run = await job.enqueue(queue, {}, { tags: { tenant: 't-4' } });
      await eventually(() => (seen.length > 5 ? true : undefined), 'the first step going', 30_000);
      const hold = await holdRuns(queue, { tags: { tenant: 't-4' }, reason: 'tenant move' });
      await heldRuns(run.id!);
      const parked = seen.length;
      await sleep(1_000);
      expect(seen.length).toBe(parked);
      await releaseHold(queue, hold.id);
      await eventually(
        async () => ((await queue.getJob(run.id!))?.finishedOn === undefined ? undefined : true),
        'the run completes after the release',
        30_000,
      );
      const expected = (step: string) =>
        Array.from({ length: 40 }, (_, i) => i)
          .filter((i) => i !== 7)
          .map((i) => `${step}:${i}`);
      expect([...seen].sort()).toEqual([...expected('first'), ...expected('second')].sort());

      // The replay of the two skipped rows carries the run's tags: a hold over them parks it.
      broken = false;
      seen.length = 0;
      const again = await holdRuns(queue, { tags: { tenant: 't-4' }, reason: 'second move' });
      const replay = await retryFailedItems(queue as never, run.id!);
      await heldRuns(replay.id!);
      expect(seen).toEqual([]);
      await releaseHold(queue, again.id);
      await eventually(
        async () => ((await queue.getJob(replay.id!))?.finishedOn === undefined ? undefined : true),
        'the replay completes after the release',
        30_000,
      );
      expect([...seen].sort()).toEqual(['first:7', 'second:7']);
    } finally {
      await worker.close();
    }
  });

  it('a hold names at least one tag and a reason', async () => {
    const queue = b.queue(uniqueQueueName('holds-input'));
    await expect(holdRuns(queue, { tags: {}, reason: 'x' })).rejects.toThrow(/at least one tag/);
    await expect(holdRuns(queue, { tags: { shard: 'db-1' }, reason: '' })).rejects.toThrow(
      /reason/,
    );
    await expect(holdRuns(queue, { tags: { shard: 3 } as never, reason: 'x' })).rejects.toThrow(
      /tag "shard" must be a string/,
    );
  });
});
