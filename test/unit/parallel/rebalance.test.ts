// Rebalancing without a server: the options are checked once with messages naming the job, the
// value and the fix; splits are asked of running partitions only, a piece per idle slot, most left
// per piece first, and a partition gives several pieces by halving the biggest; and, for
// random partitionings and random split points, the partitions together process exactly one
// uninterrupted pass (the same pure functions the runtime applies: splitRange on the bounds and
// the durable cursor, the shrunk bounds kept, the added ones given to a new partition).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { RangePartition } from '../../../src/index.js';
import {
  array,
  defineIterationJob,
  IterationDefinitionError,
  rangePartitions,
  splitRange,
} from '../../../src/index.js';
import type { PartitionJob } from '../../../src/parallel/flow.js';
import { splitPieces } from '../../../src/parallel/rebalance.js';
import type { SplitAsk } from '../../../src/parallel/split-plan.js';
import { planSplits, RunSlots } from '../../../src/parallel/split-plan.js';

const base = {
  name: 'backfill',
  buildEnumerator: () => array([1, 2, 3], { cursor: null }),
  eachIteration: () => {},
};

describe('rebalancing options', () => {
  it('accepts splitPartition on a parallel job, and rebalance: false', () => {
    const job = defineIterationJob({
      ...base,
      partitions: () => [{ from: 0, to: 10 }],
      splitPartition: ({ partition, cursor }) => splitRange(partition, cursor),
      rebalance: false,
    });
    expect(job.definition.rebalance).toBe(false);
  });

  it('refuses a splitPartition that is not a function, naming the job and the fix', () => {
    expect(() =>
      defineIterationJob({ ...base, partitions: () => [1], splitPartition: 'half' as never }),
    ).toThrow(/"backfill": `splitPartition` must be a function.*"half".*splitRange/);
  });

  it('refuses rebalance that is not a boolean, and rebalance: true without splitPartition', () => {
    expect(() =>
      defineIterationJob({ ...base, partitions: () => [1], rebalance: 'yes' as never }),
    ).toThrow(/`rebalance` to be true or false, got `"yes"` \(string\)/);
    expect(() => defineIterationJob({ ...base, partitions: () => [1], rebalance: true })).toThrow(
      /`rebalance: true` needs `splitPartition`/,
    );
  });

  it('refuses splitPartition on a job without partitions', () => {
    expect(() => defineIterationJob({ ...base, splitPartition: () => undefined } as never)).toThrow(
      IterationDefinitionError,
    );
  });
});

const job = (
  jobId: string,
  state: PartitionJob['state'],
  processed: number,
  total: number | undefined,
  status = 'running',
): PartitionJob =>
  ({
    index: 0,
    jobId,
    state,
    job: {
      progress: { processed, total, status, updatedAt: 2_000 },
      processedOn: 1_000,
      returnvalue: null,
    },
  }) as unknown as PartitionJob;

const asked = (asks: readonly SplitAsk[]) => asks.map((a) => [a.target.jobId, a.ways]);

describe('planSplits', () => {
  it('asks a piece per idle slot of the running partitions, most left per piece first', () => {
    const partitions = [
      job('p0', 'active', 0, 1_000),
      job('p1', 'active', 10, 10),
      job('p2', 'completed', 5, 5),
      job('p4', 'active', 0, 600),
    ];
    // p1 completes: with 4 slots, 2 are idle; p0 gets the first piece, p4 the second.
    expect(asked(planSplits(partitions, 'p1', 4))).toEqual([
      ['p0', 1],
      ['p4', 1],
    ]);
    // One partition left running: it gets every piece.
    expect(asked(planSplits([job('p0', 'active', 0, 1_000)], undefined, 4))).toEqual([['p0', 3]]);
    // No slot idle: nothing.
    expect(planSplits(partitions, undefined, 3)).toEqual([]);
  });

  it('asks nothing while a planned partition is pending or one waits for its first slot', () => {
    const running = job('p0', 'active', 0, 100);
    const untaken = (p: PartitionJob) =>
      ({ ...p, job: { ...p.job, processedOn: undefined } }) as unknown as PartitionJob;
    expect(
      planSplits([running, { index: 1, jobId: 'p1', job: undefined, state: undefined }], 'x', 8),
    ).toEqual([]);
    expect(planSplits([running, untaken(job('p1', 'waiting', 0, 100))], 'x', 8)).toEqual([]);
    // One that started and is requeued (after its split, say) holds a slot but does not stop it.
    expect(asked(planSplits([running, job('p1', 'delayed', 0, 100)], 'x', 4))).toEqual([['p0', 2]]);
    expect(planSplits([running, job('p1', 'waiting', 0, 100)], 'x', 2)).toEqual([]);
  });

  it('never asks a partition that has not started running in this activation', () => {
    // Active, but its progress is from before it was taken (a requeue), or not `running` yet.
    const stale = {
      ...job('p0', 'active', 0, 100),
      job: { progress: { status: 'running', updatedAt: 500 }, processedOn: 1_000 },
    } as unknown as PartitionJob;
    expect(planSplits([stale], undefined, 4)).toEqual([]);
    expect(planSplits([job('p0', 'active', 0, 100, 'interrupted')], undefined, 4)).toEqual([]);
    // One item left is never split; a piece per item left at most.
    expect(planSplits([job('p0', 'active', 99, 100)], undefined, 4)).toEqual([]);
    expect(asked(planSplits([job('p0', 'active', 97, 100)], undefined, 8))).toEqual([['p0', 2]]);
  });

  it("remembers a run's slots: the most partitions seen active at once", () => {
    const slots = new RunSlots();
    const active = (n: number) => Array.from({ length: n }, (_, i) => job(`p${i}`, 'active', 0, 9));
    expect(slots.observe('run', active(4))).toBe(4);
    expect(slots.observe('run', active(2))).toBe(4);
    expect(slots.observe('other', active(1))).toBe(1);
    // A piece's data hands down what the process that asked for the split saw.
    expect(slots.observe('handed', active(1), 4)).toBe(4);
    expect(slots.observe('handed', active(2))).toBe(4);
  });
});

describe('splitPieces', () => {
  it('halves the biggest piece for each more way: equal pieces for a power of two', async () => {
    const split = async (p: unknown, cursor: unknown) =>
      splitRange(p as RangePartition, cursor as number | null) as [RangePartition, RangePartition];
    expect(await splitPieces({ from: 0, to: 100 }, 20, 3, split)).toEqual([
      { from: 0, to: 40 },
      { from: 60, to: 80 },
      { from: 40, to: 60 },
      { from: 80, to: 100 },
    ]);
    // Pieces too small to halve stay whole; nothing to split at all: undefined.
    expect(await splitPieces({ from: 0, to: 4 }, 1, 5, split)).toEqual([
      { from: 0, to: 2 },
      { from: 3, to: 4 },
      { from: 2, to: 3 },
    ]);
    expect(await splitPieces({ from: 0, to: 4 }, 3, 2, split)).toBeUndefined();
  });
});

/** A partition as the runtime sees it: its bounds now and its durable cursor (the next number). */
interface Part {
  bounds: RangePartition;
  cursor: number | null;
}

describe('splits of random partitionings (property)', () => {
  it('the union of what the partitions process is one uninterrupted pass, with no overlap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 1, max: 8 }),
        fc.array(
          fc.record({
            pick: fc.nat(),
            advance: fc.nat({ max: 40 }),
            split: fc.boolean(),
            ahead: fc.integer({ min: 1, max: 5 }),
            minItems: fc.integer({ min: 1, max: 10 }),
          }),
          { maxLength: 60 },
        ),
        (to, count, steps) => {
          const parts: Part[] = rangePartitions({ from: 0, to, count }).map((bounds) => ({
            bounds,
            cursor: null,
          }));
          const processed: number[] = [];
          const work = (p: Part, n: number) => {
            let next = p.cursor ?? p.bounds.from;
            for (let i = 0; i < n && next < p.bounds.to; i++) processed.push(next++);
            p.cursor = next;
          };
          for (const step of steps) {
            const p = parts[step.pick % parts.length]!;
            work(p, step.advance);
            if (!step.split) continue;
            const halves = splitRange(p.bounds, p.cursor, step);
            if (halves === undefined) continue;
            const [shrunk, added] = halves;
            // The point is ahead of the cursor: nothing done or in flight moves.
            expect(added.from).toBeGreaterThanOrEqual((p.cursor ?? p.bounds.from) + step.ahead);
            p.bounds = shrunk;
            parts.push({ bounds: added, cursor: null });
          }
          for (const p of parts) work(p, Infinity);
          expect(new Set(processed).size).toBe(processed.length);
          expect([...processed].sort((x, y) => x - y)).toEqual(
            Array.from({ length: to }, (_, i) => i),
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});
