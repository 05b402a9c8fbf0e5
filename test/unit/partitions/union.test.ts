// Property: however a collection is partitioned, and wherever running partitions are split for
// rebalancing, the partitions' enumerators together yield every item exactly once, as one
// uninterrupted pass does.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { IterationEnumerator } from '../../../src/enumerator.js';
import { array, range } from '../../../src/enumerators/index.js';
import type { RangePartition } from '../../../src/partitions/index.js';
import { arrayPartitions, rangePartitions, splitRange } from '../../../src/partitions/index.js';

type Build<Item> = (
  partition: RangePartition,
  cursor: number | null,
) => IterationEnumerator<Item, number>;

interface Running {
  bounds: RangePartition;
  cursor: number | null;
}

/** Steps of a run: advance partition `pick` by `items` (a fresh enumerator each time), or split it. */
type Step =
  { kind: 'advance'; pick: number; items: number } | { kind: 'split'; pick: number; ahead: number };

const steps: fc.Arbitrary<Step[]> = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constant('advance' as const), pick: fc.nat(), items: fc.nat({ max: 7 }) }),
    fc.record({
      kind: fc.constant('split' as const),
      pick: fc.nat(),
      ahead: fc.integer({ min: 1, max: 4 }),
    }),
  ),
  { maxLength: 30 },
);

async function take<Item>(
  enumerator: IterationEnumerator<Item, number>,
  limit: number,
  into: Item[],
): Promise<number | undefined> {
  let cursor: number | undefined;
  let taken = 0;
  if (limit === Infinity || limit > 0) {
    for await (const [item, after] of enumerator) {
      into.push(item);
      cursor = after;
      if (++taken >= limit) break;
    }
  }
  return cursor;
}

/** Plays `plan` on `parts`, then finishes every partition; returns every item yielded. */
async function run<Item>(
  parts: RangePartition[],
  plan: readonly Step[],
  build: Build<Item>,
): Promise<Item[]> {
  const running: Running[] = parts.map((bounds) => ({ bounds, cursor: null }));
  const seen: Item[] = [];
  for (const step of plan) {
    const partition = running[step.pick % running.length] as Running;
    if (step.kind === 'advance') {
      const after = await take(build(partition.bounds, partition.cursor), step.items, seen);
      if (after !== undefined) partition.cursor = after;
    } else {
      // Split with a batch in flight: the running partition goes on through `ahead` items first.
      const halves = splitRange(partition.bounds, partition.cursor, { ahead: step.ahead });
      if (halves === undefined) continue;
      partition.bounds = halves[0];
      running.push({ bounds: halves[1], cursor: null });
    }
  }
  for (const partition of running) {
    await take(build(partition.bounds, partition.cursor), Infinity, seen);
  }
  return seen;
}

describe('partitions and splits together (property)', () => {
  it('range: the union of the partitions is one pass, each number once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: -50, max: 50 }),
        fc.nat({ max: 120 }),
        fc.integer({ min: 1, max: 12 }),
        steps,
        async (from, length, count, plan) => {
          const to = from + length;
          const seen = await run(rangePartitions({ from, to, count }), plan, (bounds, cursor) =>
            range({ from: bounds.from, to: bounds.to, cursor }),
          );
          expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length }, (_, i) => from + i));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('array: the union of the partitions is one pass, each item once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string(), { maxLength: 80 }),
        fc.integer({ min: 1, max: 12 }),
        steps,
        async (strings, count, plan) => {
          const items = strings.map((value, index) => ({ index, value }));
          const seen = await run(arrayPartitions({ items, count }), plan, (bounds, cursor) =>
            array(items, { from: bounds.from, to: bounds.to, cursor }),
          );
          expect(seen.sort((a, b) => a.index - b.index)).toEqual(items);
        },
      ),
      { numRuns: 300 },
    );
  });
});
