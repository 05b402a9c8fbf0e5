import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { array, batches, nested, paginated } from '../../../src/enumerators/index.js';
import { assertResumable, runWithInterruptions } from '../../../src/enumerators/testing.js';
import { CursorError, EnumeratorError } from '../../../src/errors.js';
import { stopSchedules } from './support.js';

interface Shop {
  readonly name: string;
  readonly products: readonly { readonly name: string; readonly variants: readonly string[] }[];
}

const shops: Shop[] = [
  {
    name: 's1',
    products: [
      { name: 'p1', variants: ['v1', 'v2'] },
      { name: 'p2', variants: [] },
    ],
  },
  { name: 's2', products: [] },
  { name: 's3', products: [{ name: 'p3', variants: ['v3'] }] },
];

describe('nested', () => {
  it('walks every level depth first, the cursor listing one cursor per level', async () => {
    const run = await runWithInterruptions(
      (cursor) =>
        nested(
          [
            (c) => array(shops, { cursor: c }),
            (shop: Shop, c) => array(shop.products, { cursor: c }),
            (product, c) => array(product.variants, { cursor: c }),
          ],
          { cursor },
        ),
      [],
    );
    expect(run.items).toEqual(['v1', 'v2', 'v3']);
    expect(run.cursors).toEqual([
      [null, null, 1],
      [null, null, 2],
      [2, null, 1],
    ]);
  });

  it('resumes anywhere in a random hierarchy (property)', async () => {
    const tree = fc.array(fc.array(fc.array(fc.nat(), { maxLength: 3 }), { maxLength: 3 }), {
      maxLength: 4,
    });
    await fc.assert(
      fc.asyncProperty(tree, stopSchedules(20), async (outer, stops) => {
        const build = (cursor: unknown) =>
          nested(
            [
              (c) => array(outer, { cursor: c }),
              // A paginated middle level: its cursor is an object, resumed inside a page.
              (middle: number[][], c) =>
                paginated({
                  cursor: c,
                  fetchPage: async (token: number | null) => {
                    const at = token ?? 0;
                    return {
                      items: middle.slice(at, at + 2),
                      next: at + 2 < middle.length ? at + 2 : null,
                    };
                  },
                }),
              (inner: number[], c) => batches(array(inner, { cursor: c }), 2),
            ],
            { cursor },
          );
        const run = await runWithInterruptions(build, stops);
        const expected = outer.flatMap((middle) =>
          middle.flatMap((inner) => {
            const groups: number[][] = [];
            for (let i = 0; i < inner.length; i += 2) groups.push(inner.slice(i, i + 2));
            return groups;
          }),
        );
        expect(run.items).toEqual(expected);
      }),
    );
  });

  it('passes assertResumable, with async builders', async () => {
    await assertResumable((cursor) =>
      nested(
        [
          async (c) => array(['a', 'b', 'c'], { cursor: c }),
          async (letter: string, c) => array([`${letter}1`, `${letter}2`], { cursor: c }),
        ],
        { cursor },
      ),
    );
  });

  it('builds no level before the first next() and closes every level when stopped', async () => {
    const events: string[] = [];
    const level = (name: string) =>
      async function* () {
        try {
          yield [name, 1] as const;
          yield [name, 2] as const;
        } finally {
          events.push(`closed ${name}`);
        }
      };
    const enumerator = nested([
      () => {
        events.push('built outer');
        return { [Symbol.asyncIterator]: level('outer') };
      },
      () => ({ [Symbol.asyncIterator]: level('inner') }),
    ]);
    const iterator = enumerator[Symbol.asyncIterator]();
    expect(events).toEqual([]);
    await iterator.next();
    await iterator.return?.();
    expect(events).toEqual(['built outer', 'closed inner', 'closed outer']);
  });

  it('refuses bad levels, bad builders and foreign cursors', async () => {
    expect(() => nested([() => array([])] as never)).toThrow(
      /nested: expected `levels` to be an array of two or more builder functions/,
    );
    const levels = [() => array([1]), () => array([2])] as const;
    expect(() => nested(levels, { cursor: [1] })).toThrow(CursorError);
    expect(() => nested(levels, { cursor: 'x' })).toThrow(
      /expected null or an array of 2 cursors, one per level/,
    );
    const broken = nested([() => array([1]), () => 7 as never]);
    await expect(runWithInterruptions(() => broken, [])).rejects.toThrow(EnumeratorError);
    await expect(runWithInterruptions(() => broken, [])).rejects.toThrow(
      /nested: the builder of level 1 returned `7` \(number\)/,
    );
  });
});
