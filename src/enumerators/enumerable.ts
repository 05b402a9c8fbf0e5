/**
 * The object every builder returns: an async iterable of pairs that may report its size (and, for
 * batches, the rows each item stands for: see `WeighedEnumerator`). Each call
 * of `[Symbol.asyncIterator]` starts a fresh walk from the builder's cursor, and nothing is read
 * before the first `next()`, because the runtime checks for shutdown before asking for a pair.
 */
import type { EnumeratorPair, IterationEnumerator } from '../enumerator.js';

export type SizeFunction = () => number | undefined | Promise<number | undefined>;

export function enumerable<Item, Cursor>(
  iterate: () => AsyncIterator<EnumeratorPair<Item, Cursor>>,
  size?: SizeFunction,
  itemWeight?: (item: Item) => number,
): IterationEnumerator<Item, Cursor> {
  return {
    [Symbol.asyncIterator]: iterate,
    ...(size === undefined ? {} : { size }),
    ...(itemWeight === undefined ? {} : { itemWeight }),
  };
}
