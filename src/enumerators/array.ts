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
  /**
   * Index of the first item to enumerate, for a partition of the array (see `arrayPartitions`).
   * @defaultValue 0
   */
  readonly from?: number;
  /** Index after the last item to enumerate, excluded. @defaultValue items.length */
  readonly to?: number;
  /** The cursor the runtime passed: `null` (or omitted) to start at `from`. */
  readonly cursor?: unknown;
}

/**
 * Enumerates `items` in order, from the item at index `cursor`.
 *
 * The array must be the same on every run (build it from the job's params, not from a query whose
 * result changes); a cursor past its end is refused, since it means the array changed under the job.
 * With `from` and `to`, only the items at indexes `from` to `to - 1` are enumerated (a partition
 * planned by `arrayPartitions`), and `size()` is `to - from`.
 *
 * @example
 * ```ts
 * defineIterationJob({
 *   name: 'reindex',
 *   buildEnumerator: ({ params, cursor }) => array(params.ids, { cursor }),
 *   async eachIteration(id) { await reindex(id); },
 * });
 * // One partition of a parallel run.
 * buildEnumerator: ({ params, cursor, partition }) =>
 *   array(params.ids, { from: partition.from, to: partition.to, cursor }),
 * ```
 */
export function array<Item>(
  items: readonly Item[],
  options: ArrayOptions = {},
): IterationEnumerator<Item, ArrayCursor> {
  if (!Array.isArray(items)) throw optionError('array', 'items', items, 'an array');
  const { from, to } = arrayBounds(items.length, options);
  const start = arrayStart('array', to, options.cursor, from);
  return enumerable(
    async function* () {
      for (let index = start; index < to; index++) {
        yield [items[index] as Item, index + 1] as const;
      }
    },
    () => to - from,
  );
}

function arrayBounds(length: number, options: ArrayOptions): { from: number; to: number } {
  const from = options.from ?? 0;
  const to = options.to ?? length;
  if (!isIndex(from) || from > length) {
    throw optionError('array', 'from', from, `an index from 0 to ${length} (the array's length)`);
  }
  if (!isIndex(to) || to < from || to > length) {
    throw optionError(
      'array',
      'to',
      to,
      `an index from \`from\` (${from}) to ${length} (the array's length); a partition past ` +
        `the end means the array changed since the partitions were planned`,
    );
  }
  return { from, to };
}

/** Reads an index cursor for a collection of `length` items (from `from`); shared with `once`. */
export function arrayStart(source: string, length: number, cursor: unknown, from = 0): number {
  if (cursor === null || cursor === undefined) return from;
  if (!isIndex(cursor) || cursor < from || cursor > length) {
    throw cursorError(
      source,
      cursor,
      `null or an integer from ${from} to ${length} (the next index)`,
    );
  }
  return cursor;
}
