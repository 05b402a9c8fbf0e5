// The parallel options of a definition and the plan partitions() returns: checked once, with
// messages that name the job, the bad value and the fix.
import { describe, expect, expectTypeOf, it } from 'vitest';

import {
  array,
  defineIterationJob,
  IterationDefinitionError,
  PartitionPlanError,
  range,
} from '../../../src/index.js';
import { validatePlan } from '../../../src/parallel/plan.js';

const base = {
  name: 'backfill',
  buildEnumerator: () => array([1, 2, 3], { cursor: null }),
  eachIteration: () => {},
};

describe('parallel options', () => {
  it('accepts partitions with maxConcurrentPartitions and a failure policy', () => {
    const job = defineIterationJob({
      ...base,
      partitions: () => [{ from: 0, to: 10 }],
      maxConcurrentPartitions: 4,
      onPartitionFailure: 'cancel-others',
    });
    expect(job.definition.maxConcurrentPartitions).toBe(4);
  });

  it.each([
    [{ partitions: [1, 2] }, /`partitions` must be a function.*\[1,2\]/],
    [
      { partitions: () => [], maxConcurrentPartitions: 0 },
      /`maxConcurrentPartitions`.*positive integer.*`0`/,
    ],
    [{ partitions: () => [], maxConcurrentPartitions: 2.5 }, /positive integer, got `2.5`/],
    [
      { partitions: () => [], onPartitionFailure: 'ignore' },
      /'finish-others', 'cancel-others', got `"ignore"`/,
    ],
    [{ maxConcurrentPartitions: 3 }, /only applies to a parallel job; add `partitions`/],
    [
      { partitions: () => [], maxItems: 1_000 },
      /`maxItems` with `partitions`.*each partition.*rangePartitions\(\{ to: N/,
    ],
  ])('rejects %j', (extra, message) => {
    expect(() => defineIterationJob({ ...base, ...extra } as never)).toThrow(
      IterationDefinitionError,
    );
    expect(() => defineIterationJob({ ...base, ...extra } as never)).toThrow(message);
    expect(() => defineIterationJob({ ...base, ...extra } as never)).toThrow(/"backfill"/);
  });

  it('types `partition` in buildEnumerator from what partitions returns', () => {
    defineIterationJob({
      name: 'typed',
      partitions: () => [{ from: 0, to: 10 }],
      buildEnumerator: ({ partition, cursor }) => {
        expectTypeOf(partition).toEqualTypeOf<{ from: number; to: number }>();
        return range({ from: partition.from, to: partition.to, cursor: cursor as number | null });
      },
      eachIteration: () => {},
    });
  });
});

describe('validatePlan', () => {
  const label = 'parallel run "backfill" (id 7)';

  it('returns an array of JSON values as it is', () => {
    const plan = [{ from: 0, to: 5 }, 'shard-2', 3, null];
    expect(validatePlan(plan, 'backfill', label)).toBe(plan);
  });

  it.each([
    [{ from: 0 }, /returned \{"from":0\}, not an array/],
    [undefined, /returned undefined, not an array/],
    [[], /empty array: a parallel run needs one partition at least/],
    [[{ from: new Date(0) }], /not JSON data \(partitions\[0\]\.from: a Date/],
    [[1n], /not JSON data \(partitions\[0\]: a BigInt/],
  ])('rejects %s', (plan, message) => {
    const attempt = () => validatePlan(plan, 'backfill', label);
    expect(attempt).toThrow(PartitionPlanError);
    expect(attempt).toThrow(message);
    expect(attempt).toThrow(/parallel run "backfill" \(id 7\).*rangePartitions/);
  });
});
