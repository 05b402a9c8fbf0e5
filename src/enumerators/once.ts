/**
 * `once`: a single item. Gives a one-shot task the iteration runtime's interruption, retry and
 * lifecycle callbacks; once the item is done, a resumed job does not run it again.
 */
import type { IterationEnumerator } from '../enumerator.js';
import type { ArrayCursor } from './array.js';
import { arrayStart } from './array.js';
import { enumerable } from './enumerable.js';
import { optionsObject } from './validate.js';

export interface OnceOptions<Item> {
  /** The item handed to `eachIteration`. @defaultValue null */
  readonly item?: Item;
  /** The cursor the runtime passed: `null` (or omitted) until the item is done, then `1`. */
  readonly cursor?: unknown;
}

/**
 * Enumerates one item. Its cursor is `1` once the item is done, like an array of one.
 *
 * @example
 * ```ts
 * defineIterationJob({
 *   name: 'rebuild-search-index',
 *   buildEnumerator: ({ cursor }) => once({ cursor }),
 *   async eachIteration() { await rebuildIndex(); },
 * });
 * ```
 */
export function once<Item = null>(
  options: OnceOptions<Item> = {},
): IterationEnumerator<Item, ArrayCursor> {
  optionsObject('once', options, 'once({ cursor })');
  const item = ('item' in options ? options.item : null) as Item;
  const start = arrayStart('once', 1, options.cursor);
  return enumerable(
    async function* () {
      if (start === 0) yield [item, 1] as const;
    },
    () => 1,
  );
}
