import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { array, once, range, times } from '../../../src/enumerators/index.js';
import { assertResumable, runWithInterruptions } from '../../../src/enumerators/testing.js';
import { CursorError, EnumeratorError } from '../../../src/errors.js';
import { anyItem, stopSchedules } from './support.js';

describe('array', () => {
  it('yields each item with the index of the next one', async () => {
    const run = await runWithInterruptions((cursor) => array(['a', 'b', 'c'], { cursor }), []);
    expect(run.items).toEqual(['a', 'b', 'c']);
    expect(run.cursors).toEqual([1, 2, 3]);
    expect(run.sizes).toEqual([3]);
  });

  it('resumes anywhere without skipping or repeating (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .array(anyItem, { maxLength: 30 })
          .chain((items) => fc.tuple(fc.constant(items), stopSchedules(items.length))),
        async ([items, stops]) => {
          const run = await runWithInterruptions((cursor) => array(items, { cursor }), stops);
          expect(run.items).toEqual(items);
        },
      ),
    );
  });

  it('passes assertResumable at every point', async () => {
    await assertResumable((cursor) => array([1, 2, 3, 4, 5], { cursor }));
  });

  it('refuses a cursor past the end or of another shape', () => {
    expect(() => array([1, 2], { cursor: 3 })).toThrow(CursorError);
    expect(() => array([1, 2], { cursor: { page: 1 } })).toThrow(
      /array: cannot resume from cursor `\{"page":1\}` \(object\): expected null or an integer from 0 to 2/,
    );
    expect(() => array([1, 2], { cursor: -1 })).toThrow(CursorError);
    expect(() => array([1, 2], { cursor: 1.5 })).toThrow(CursorError);
  });

  it('refuses items that are not an array', () => {
    expect(() => array('abc' as unknown as string[])).toThrow(EnumeratorError);
    expect(() => array('abc' as unknown as string[])).toThrow(
      /array: expected `items` to be an array/,
    );
  });

  it('reads nothing before the first next()', async () => {
    const items = new Proxy([1, 2], {
      get(target, key, receiver) {
        if (key === '0') throw new Error('read too early');
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    const enumerator = array(items);
    enumerator[Symbol.asyncIterator]();
    await expect(enumerator[Symbol.asyncIterator]().next()).rejects.toThrow('read too early');
  });
});

describe('range and times', () => {
  it('counts with a step, up or down, the cursor being the next number', async () => {
    const up = await runWithInterruptions(
      (cursor) => range({ from: 2, to: 11, step: 3, cursor }),
      [],
    );
    expect(up.items).toEqual([2, 5, 8]);
    expect(up.cursors).toEqual([5, 8, 11]);
    const down = await runWithInterruptions(
      (cursor) => range({ from: 5, to: 0, step: -2, cursor }),
      [],
    );
    expect(down.items).toEqual([5, 3, 1]);
    expect(down.sizes).toEqual([3]);
    const none = await runWithInterruptions((cursor) => range({ from: 5, to: 0, cursor }), []);
    expect(none.items).toEqual([]);
  });

  it('resumes anywhere (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: -20, max: 20 }),
        fc.integer({ min: -20, max: 20 }),
        fc.integer({ min: -4, max: 4 }).filter((step) => step !== 0),
        stopSchedules(40),
        async (from, to, step, stops) => {
          const build = (cursor: number | null) => range({ from, to, step, cursor });
          const expected: number[] = [];
          for (let n = from; step > 0 ? n < to : n > to; n += step) expected.push(n);
          const run = await runWithInterruptions(build, stops);
          expect(run.items).toEqual(expected);
          expect(run.sizes.every((size) => size === expected.length)).toBe(true);
        },
      ),
    );
  });

  it('times(n) yields 0 to n - 1', async () => {
    await assertResumable((cursor) => times(4, { cursor }));
    const run = await runWithInterruptions((cursor) => times(4, { cursor }), [2]);
    expect(run.items).toEqual([0, 1, 2, 3]);
  });

  it('refuses bad options and misaligned cursors', () => {
    expect(() => range({ to: 10, step: 0 })).toThrow(
      /range: expected `step` to be a non-zero integer, got `0`/,
    );
    expect(() => range({ to: 1.5 })).toThrow(EnumeratorError);
    expect(() => times(-1)).toThrow(
      /times: expected `count` to be an integer of 0 or more, got `-1`/,
    );
    expect(() => range({ from: 0, to: 10, step: 2, cursor: 3 })).toThrow(CursorError);
    expect(() => range({ from: 0, to: 10, step: 2, cursor: 12 })).toThrow(
      /expected null or an integer from 0 to 10, a multiple of 2 from 0/,
    );
    expect(() => range(undefined as unknown as { to: number })).toThrow(
      /range: expected an options object/,
    );
  });
});

describe('once', () => {
  it('yields its item once, then nothing', async () => {
    const run = await runWithInterruptions((cursor) => once({ item: 'x', cursor }), []);
    expect(run.items).toEqual(['x']);
    expect(run.cursors).toEqual([1]);
    const resumed = await runWithInterruptions((cursor) => once({ cursor: cursor ?? 1 }), []);
    expect(resumed.items).toEqual([]);
    await assertResumable((cursor) => once({ cursor }));
  });

  it('resumes anywhere (property)', async () => {
    await fc.assert(
      fc.asyncProperty(anyItem, stopSchedules(1), async (item, stops) => {
        const run = await runWithInterruptions((cursor) => once({ item, cursor }), stops);
        expect(run.items).toEqual([item]);
      }),
    );
  });

  it('yields null by default and refuses foreign cursors', async () => {
    const run = await runWithInterruptions((cursor) => once({ cursor }), []);
    expect(run.items).toEqual([null]);
    expect(() => once({ cursor: 2 })).toThrow(/once: cannot resume from cursor `2`/);
    expect(() => once(5 as never)).toThrow(/once: expected an options object/);
  });
});
