// Rebalancing without a server: the options are checked once with messages naming the job, the
// value and the fix; the split target is the unfinished partition with the most left; and, for
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
import { splitTarget } from '../../../src/parallel/rebalance.js';

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
): PartitionJob =>
  ({
    index: 0,
    jobId,
    state,
    job: { progress: { processed, total, status: 'running' }, returnvalue: null },
  }) as unknown as PartitionJob;

describe('splitTarget', () => {
  it('picks the unfinished partition with the most items left, not the one completing', () => {
    const target = splitTarget(
      [
        job('p0', 'active', 10, 1000),
        job('p1', 'active', 0, 100),
        job('p2', 'completed', 5, 5),
        job('p3', 'active', 0, 5000),
      ],
      'p3',
    );
    expect(target?.jobId).toBe('p0');
  });

  it('asks nothing while a planned partition is pending, or when one item is left', () => {
    expect(splitTarget([job('p0', 'active', 0, 100), job('p1', undefined, 0, 0)], 'x')).toBe(
      undefined,
    );
    expect(splitTarget([job('p0', 'active', 99, 100)], 'x')).toBe(undefined);
    // A delayed partition may be parked by a pause: left alone.
    expect(splitTarget([job('p0', 'delayed', 0, 100)], 'x')).toBe(undefined);
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
