import { AssertionError } from 'node:assert';

import { describe, expect, it } from 'vitest';

import type { EnumeratorPair } from '../../../src/enumerator.js';
import { array } from '../../../src/enumerators/index.js';
import { assertResumable, runWithInterruptions } from '../../../src/enumerators/testing.js';

/** A hand-written enumerator with a classic mistake: its cursor is the index of the item itself. */
function offByOne(items: readonly string[], cursor: number | null) {
  return {
    async *[Symbol.asyncIterator]() {
      for (let i = cursor ?? 0; i < items.length; i++) yield [items[i], i] as const;
    },
  };
}

describe('assertResumable', () => {
  it('accepts a correct enumerator and returns its uninterrupted pass', async () => {
    const whole = await assertResumable((cursor) => array(['a', 'b'], { cursor }));
    expect(whole.items).toEqual(['a', 'b']);
  });

  it('catches an enumerator that repeats the item it stopped after', async () => {
    const check = assertResumable((cursor: number | null) => offByOne(['a', 'b', 'c'], cursor));
    await expect(check).rejects.toThrow(AssertionError);
    await expect(
      assertResumable((cursor: number | null) => offByOne(['a', 'b', 'c'], cursor)),
    ).rejects.toThrow(/Interrupted after \[1\] items, the runs together yielded 4 items/);
  });

  it('catches a size() counted from the cursor instead of the beginning', async () => {
    const build = (cursor: number | null) => {
      const source = array(['a', 'b', 'c'], { cursor });
      return Object.assign(source, { size: () => 3 - (cursor ?? 0) });
    };
    await expect(assertResumable(build)).rejects.toThrow(/size\(\) returned 2/);
    await assertResumable(build, { checkSize: false });
  });

  it('refuses cursors that would not survive a checkpoint', async () => {
    const dated = (): Iterable<EnumeratorPair<string, Date>> => [['a', new Date(0)]];
    await expect(runWithInterruptions(dated, [])).rejects.toThrow(
      /the cursor after item 0 is not plain JSON data: cursor: a Date/,
    );
  });

  it('hands back cursors with their object keys reordered, as jsonb does', async () => {
    const seen: unknown[] = [];
    const build = (cursor: { a: number; b: number } | null) => {
      seen.push(cursor === null ? null : Object.keys(cursor));
      const a = (cursor?.a ?? 0) + 1;
      return a > 2 ? [] : [['x', { a, b: a }] as const];
    };
    await runWithInterruptions(build, [1, 1]);
    expect(seen).toEqual([null, ['b', 'a'], ['b', 'a']]);
  });

  it('fails an enumerator that never ends', async () => {
    const endless = () => ({
      async *[Symbol.asyncIterator]() {
        for (let i = 0; ; i++) yield [i, i + 1] as const;
      },
    });
    await expect(runWithInterruptions(endless, [], { maxItems: 50 })).rejects.toThrow(
      /more than 50 items came out/,
    );
  });
});
