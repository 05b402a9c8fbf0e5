import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { EnumeratorPair } from '../../../src/enumerator.js';
import { array, batches, range } from '../../../src/enumerators/index.js';
import { assertResumable, runWithInterruptions } from '../../../src/enumerators/testing.js';
import { EnumeratorError } from '../../../src/errors.js';
import { stopSchedules } from './support.js';

describe('batches', () => {
  it('groups items, the cursor of a batch being that of its last item', async () => {
    const run = await runWithInterruptions(
      (cursor) => batches(array(['a', 'b', 'c', 'd', 'e'], { cursor }), 2),
      [],
    );
    expect(run.items).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(run.cursors).toEqual([2, 4, 5]);
    // Progress counts the source's items: size() is theirs, and a batch weighs its length.
    expect(run.sizes).toEqual([5]);
    expect(run.weights).toEqual([2, 2, 1]);
  });

  it('weighs a batch of batches by the rows inside it', async () => {
    const run = await runWithInterruptions(
      (cursor) => batches(batches(array([1, 2, 3, 4, 5, 6, 7], { cursor }), 2), 3),
      [],
    );
    expect(run.items).toEqual([
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      [[7]],
    ]);
    expect(run.weights).toEqual([6, 1]);
    expect(run.sizes).toEqual([7]);
  });

  it('resumes anywhere, including from a cursor inside a batch (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 0, max: 40 }),
        stopSchedules(12),
        async (count, batchSize, startInside, stops) => {
          // A job that ran item by item and now runs in batches starts from a cursor that is not
          // on a batch boundary: the batches regroup from there.
          const start = Math.min(startInside, count);
          const build = (cursor: number | null) =>
            batches(range({ to: count, cursor: cursor ?? start }), batchSize);
          const run = await runWithInterruptions(build, stops);
          const expected = Array.from({ length: count - start }, (_, i) => start + i);
          expect(run.items.flat()).toEqual(expected);
          expect(run.items.every((batch) => batch.length > 0 && batch.length <= batchSize)).toBe(
            true,
          );
        },
      ),
    );
  });

  it('passes assertResumable, with size() in rows', async () => {
    await assertResumable((cursor) => batches(array([1, 2, 3, 4, 5, 6, 7], { cursor }), 3));
  });

  it('groups a synchronous iterable of pairs, without size', async () => {
    const pairs: EnumeratorPair<string, string>[] = [
      ['x', 'c1'],
      ['y', 'c2'],
      ['z', 'c3'],
    ];
    const run = await runWithInterruptions(() => batches(pairs, 2), []);
    expect(run.items).toEqual([['x', 'y'], ['z']]);
    expect(run.cursors).toEqual(['c2', 'c3']);
    expect(run.sizes).toEqual([undefined]);
    expect(run.weights).toEqual([2, 1]);
  });

  it('closes its source when stopped early', async () => {
    let closed = false;
    async function* source() {
      try {
        for (let i = 0; ; i++) yield [i, i + 1] as const;
      } finally {
        closed = true;
      }
    }
    await runWithInterruptions(() => batches({ [Symbol.asyncIterator]: source }, 2), [1]).catch(
      () => undefined,
    );
    expect(closed).toBe(true);
  });

  it('refuses a bad batchSize, source or pair', async () => {
    expect(() => batches(array([1]), 0)).toThrow(
      /batches: expected `batchSize` to be a positive integer, got `0` \(number\)/,
    );
    expect(() => batches(array([1]), 2.5)).toThrow(EnumeratorError);
    expect(() => batches(42 as never, 2)).toThrow(/batches: expected `source` to be an enumerator/);
    const bad = batches([['only-an-item']] as never, 2);
    await expect(runWithInterruptions(() => bad, [])).rejects.toThrow(
      /batches: its source yielded `\["only-an-item"\]` \(array\); expected an \[item, cursor\] pair/,
    );
  });
});
