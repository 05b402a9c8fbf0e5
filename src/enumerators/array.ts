/**
 * `array`: the items of an in-memory array. The cursor is the index of the next item, so it stays
 * a small number however large the items are.
 */
import type { IterationEnumerator } from '../enumerator.js';
import { enumerable } from './enumerable.js';
import { cursorError, isIndex, optionError } from './validate.js';

/** Cursor of `array`: index of the next item (`items.length` once all are done). */
export type ArrayCursor = number;

export interface ArrayOptions {
  /** The cursor the runtime passed: `null` (or omitted) to start at the first item. */
  readonly cursor?: unknown;
}

/**
 * Enumerates `items` in order, from the item at index `cursor`.
 *
 * The array must be the same on every run (build it from the job's params, not from a query whose
 * result changes); a cursor past its end is refused, since it means the array changed under the job.
 *
 * @example
 * ```ts
 * defineIterationJob({
 *   name: 'reindex',
 *   buildEnumerator: ({ params, cursor }) => array(params.ids, { cursor }),
 *   async eachIteration(id) { await reindex(id); },
 * });
 * ```
 */
export function array<Item>(
  items: readonly Item[],
  options: ArrayOptions = {},
): IterationEnumerator<Item, ArrayCursor> {
  if (!Array.isArray(items)) throw optionError('array', 'items', items, 'an array');
  const start = arrayStart('array', items.length, options.cursor);
  return enumerable(
    async function* () {
      for (let index = start; index < items.length; index++) {
        yield [items[index] as Item, index + 1] as const;
      }
    },
    () => items.length,
  );
}

/** Reads an index cursor for a collection of `length` items; shared with `once`. */
export function arrayStart(source: string, length: number, cursor: unknown): number {
  if (cursor === null || cursor === undefined) return 0;
  if (!isIndex(cursor) || cursor > length) {
    throw cursorError(source, cursor, `null or an integer from 0 to ${length} (the next index)`);
  }
  return cursor;
}
