import { describe, expect, it } from 'vitest';

import { array, range } from '../../../src/enumerators/index.js';
import { runWithInterruptions } from '../../../src/enumerators/testing.js';
import { CursorError, EnumeratorError } from '../../../src/errors.js';
import { arrayPartitions, rangePartitions, splitRange } from '../../../src/partitions/index.js';

describe('rangePartitions', () => {
  it('covers [from, to) with contiguous partitions, the larger ones first', () => {
    expect(rangePartitions({ from: 0, to: 10, count: 3 })).toEqual([
      { from: 0, to: 4 },
      { from: 4, to: 7 },
      { from: 7, to: 10 },
    ]);
    expect(rangePartitions({ from: -5, to: 7, count: 4 })).toEqual([
      { from: -5, to: -2 },
      { from: -2, to: 1 },
      { from: 1, to: 4 },
      { from: 4, to: 7 },
    ]);
  });

  it('makes sizes that differ by at most one, whatever the range and count', () => {
    for (const [from, to, count] of [
      [0, 1000, 7],
      [3, 100_003, 32],
      [0, 2 ** 52, 9],
    ] as const) {
      const parts = rangePartitions({ from, to, count });
      expect(parts).toHaveLength(count);
      const sizes = parts.map((part) => part.to - part.from);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      expect(parts[0]?.from).toBe(from);
      expect(parts.at(-1)?.to).toBe(to);
      parts.slice(1).forEach((part, index) => expect(part.from).toBe(parts[index]?.to));
    }
  });

  it('makes one partition per number when the range is smaller than count', () => {
    expect(rangePartitions({ from: 5, to: 8, count: 10 })).toEqual([
      { from: 5, to: 6 },
      { from: 6, to: 7 },
      { from: 7, to: 8 },
    ]);
  });

  it('makes a single empty partition for an empty range', () => {
    expect(rangePartitions({ from: 4, to: 4, count: 8 })).toEqual([{ from: 4, to: 4 }]);
  });

  it('defaults from to 0 and returns plain JSON', () => {
    const parts = rangePartitions({ to: 4, count: 2 });
    expect(JSON.parse(JSON.stringify(parts))).toEqual([
      { from: 0, to: 2 },
      { from: 2, to: 4 },
    ]);
  });

  it('refuses bad input, naming the value and the fix', () => {
    expect(() => rangePartitions({ from: 10, to: 5, count: 2 })).toThrow(
      /`to` \(5\) to be at least `from` \(10\).*Swap them/,
    );
    expect(() => rangePartitions({ from: 0, to: 5, count: 0 })).toThrow(
      'rangePartitions: expected `count` to be a positive integer, got `0` (number).',
    );
    expect(() => rangePartitions({ from: 0.5, to: 5, count: 2 })).toThrow(
      /`from` to be an integer/,
    );
    expect(() => rangePartitions({ to: '9' as unknown as number, count: 2 })).toThrow(
      /`to` to be an integer, got `"9"` \(string\)/,
    );
    expect(() =>
      rangePartitions({ from: -Number.MAX_SAFE_INTEGER, to: Number.MAX_SAFE_INTEGER, count: 2 }),
    ).toThrow(EnumeratorError);
    expect(() => rangePartitions(undefined as never)).toThrow(/expected an options object/);
  });

  it('gives bounds that range walks, resuming inside a partition', async () => {
    const [, second] = rangePartitions({ from: 0, to: 10, count: 3 });
    const run = await runWithInterruptions(
      (cursor) => range({ from: second!.from, to: second!.to, cursor }),
      [1, 1],
    );
    expect(run.items).toEqual([4, 5, 6]);
    expect(await range({ from: 4, to: 7 }).size?.()).toBe(3);
  });
});

describe('arrayPartitions and array bounds', () => {
  const items = ['a', 'b', 'c', 'd', 'e'];

  it('splits an array or a length into index ranges', () => {
    const expected = [
      { from: 0, to: 3 },
      { from: 3, to: 5 },
    ];
    expect(arrayPartitions({ items, count: 2 })).toEqual(expected);
    expect(arrayPartitions({ length: 5, count: 2 })).toEqual(expected);
    expect(arrayPartitions({ items: [], count: 3 })).toEqual([{ from: 0, to: 0 }]);
  });

  it('enumerates only the partition, resuming inside it, with its size', async () => {
    const run = await runWithInterruptions(
      (cursor) => array(items, { from: 1, to: 4, cursor }),
      [1, 0, 1],
    );
    expect(run.items).toEqual(['b', 'c', 'd']);
    expect(run.cursors).toEqual([2, 3, 4]);
    expect(await array(items, { from: 1, to: 4 }).size?.()).toBe(3);
    expect(await array(items).size?.()).toBe(5);
  });

  it('refuses bounds outside the array and cursors outside the partition', async () => {
    expect(() => arrayPartitions({ count: 2 })).toThrow(/exactly one of them/);
    expect(() => arrayPartitions({ items, length: 5, count: 2 })).toThrow(/exactly one of them/);
    expect(() => arrayPartitions({ length: -1, count: 2 })).toThrow(
      /`length` to be an integer of 0/,
    );
    expect(() => array(items, { from: 2, to: 6 })).toThrow(
      /`to` to be an index from `from` \(2\) to 5 .*array changed/,
    );
    expect(() => array(items, { from: 3, to: 2 })).toThrow(EnumeratorError);
    expect(() => array(items, { from: 6 })).toThrow(/`from` to be an index from 0 to 5/);
    expect(() => array(items, { from: 2, to: 4, cursor: 1 })).toThrow(CursorError);
    expect(() => array(items, { from: 2, to: 4, cursor: 5 })).toThrow(CursorError);
  });
});

describe('splitRange', () => {
  it('gives the tail ahead of the cursor to a new partition, half of what is left', () => {
    expect(splitRange({ from: 0, to: 100 }, 20)).toEqual([
      { from: 0, to: 60 },
      { from: 60, to: 100 },
    ]);
    expect(splitRange({ from: 10, to: 20 }, null)).toEqual([
      { from: 10, to: 15 },
      { from: 15, to: 20 },
    ]);
  });

  it('keeps the items in flight with the running partition', () => {
    expect(splitRange({ from: 0, to: 10 }, 8)).toEqual([
      { from: 0, to: 9 },
      { from: 9, to: 10 },
    ]);
    expect(splitRange({ from: 0, to: 10 }, 9)).toBeUndefined();
    expect(splitRange({ from: 0, to: 10 }, 10)).toBeUndefined();
    expect(splitRange({ from: 0, to: 100 }, 0, { ahead: 80 })).toEqual([
      { from: 0, to: 80 },
      { from: 80, to: 100 },
    ]);
    expect(splitRange({ from: 0, to: 100 }, 0, { ahead: 100 })).toBeUndefined();
  });

  it('does not make partitions smaller than minItems', () => {
    expect(splitRange({ from: 0, to: 10 }, 0, { minItems: 5 })).toEqual([
      { from: 0, to: 5 },
      { from: 5, to: 10 },
    ]);
    expect(splitRange({ from: 0, to: 10 }, 1, { minItems: 5 })).toBeUndefined();
  });

  it('refuses cursors outside the partition and bad options', () => {
    expect(() => splitRange({ from: 0, to: 10 }, 11)).toThrow(CursorError);
    expect(() => splitRange({ from: 5, to: 10 }, 2)).toThrow(/integer from 5 to 10/);
    expect(() => splitRange({ from: 5, to: 1 }, null)).toThrow(/from ≤ to/);
    expect(() => splitRange({ from: 0, to: 10 }, 0, { ahead: 0 })).toThrow(/`ahead`/);
  });
});
