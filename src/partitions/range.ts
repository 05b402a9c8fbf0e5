/**
 * `rangePartitions` and `arrayPartitions`: contiguous half-open integer ranges `[from, to)` for a
 * parallel run over numbered things (ids, shards, array indexes). Pure arithmetic, no I/O: every
 * partition holds `⌊n / count⌋` or `⌈n / count⌉` numbers, the larger ones first.
 */
import {
  optionError,
  optionsObject,
  positiveInteger,
  safeInteger,
} from '../enumerators/validate.js';
import { EnumeratorError } from '../errors.js';

/**
 * One partition of an integer range: the numbers `from` to `to - 1`, as `range` and `array` take.
 * A type alias, not an interface, so that it is assignable to `JsonValue`.
 */
export type RangePartition = {
  /** First number (or array index) of the partition. */
  readonly from: number;
  /** End of the partition, excluded. */
  readonly to: number;
};

export interface RangePartitionsOptions {
  /** First number of the range. @defaultValue 0 */
  readonly from?: number;
  /** End of the range, excluded. */
  readonly to: number;
  /**
   * How many partitions at most; fewer when the range holds fewer numbers (one number per
   * partition then), and a single empty one when the range is empty.
   */
  readonly count: number;
}

/**
 * Splits `[from, to)` into at most `count` contiguous partitions that cover it exactly, in order,
 * their sizes differing by at most one. Always returns at least one partition (`[{ from, to: from }]`
 * for an empty range), so a run over nothing still has a partition that completes at once.
 *
 * @example
 * ```ts
 * rangePartitions({ from: 0, to: 10, count: 3 });
 * // [{ from: 0, to: 4 }, { from: 4, to: 7 }, { from: 7, to: 10 }]
 *
 * defineIterationJob({
 *   name: 'backfill-plans',
 *   partitions: ({ params }) => rangePartitions({ from: 0, to: params.lastId + 1, count: 32 }),
 *   buildEnumerator: ({ cursor, partition }) =>
 *     range({ from: partition.from, to: partition.to, cursor }),
 *   async eachIteration(id) { await backfillPlan(id); },
 * });
 * ```
 */
export function rangePartitions(options: RangePartitionsOptions): RangePartition[] {
  const source = 'rangePartitions';
  optionsObject(source, options, 'rangePartitions({ from: 0, to: 1000, count: 8 })');
  const from = safeInteger(source, 'from', options.from ?? 0);
  const to = safeInteger(source, 'to', options.to);
  const count = positiveInteger(source, 'count', options.count);
  if (to < from) {
    throw new EnumeratorError(
      `${source}: expected \`to\` (${to}) to be at least \`from\` (${from}): the range is ` +
        `[from, to), \`to\` excluded, counting up. Swap them, or pass to: from for an empty range.`,
      { source },
    );
  }
  if (!Number.isSafeInteger(to - from)) {
    throw optionError(source, 'to', to, `at most ${Number.MAX_SAFE_INTEGER} above \`from\``);
  }
  return split(from, to, count);
}

export interface ArrayPartitionsOptions {
  /** The array to split; give `items` or `length`. */
  readonly items?: readonly unknown[];
  /** The number of items to split, when the array itself is not at hand. */
  readonly length?: number;
  /** How many partitions at most, as for `rangePartitions`. */
  readonly count: number;
}

/**
 * Splits the indexes of an array (`0` to `length - 1`) into at most `count` contiguous partitions
 * `{ from, to }` of balanced size, which `array(items, { from, to, cursor })` walks. The array must
 * be the same for the planner and every partition, as for `array` itself.
 *
 * @example
 * ```ts
 * defineIterationJob({
 *   name: 'reindex',
 *   partitions: ({ params }) => arrayPartitions({ items: params.ids, count: 8 }),
 *   buildEnumerator: ({ params, cursor, partition }) =>
 *     array(params.ids, { from: partition.from, to: partition.to, cursor }),
 *   async eachIteration(id) { await reindex(id); },
 * });
 * ```
 */
export function arrayPartitions(options: ArrayPartitionsOptions): RangePartition[] {
  const source = 'arrayPartitions';
  optionsObject(source, options, 'arrayPartitions({ items: ids, count: 8 })');
  const { items, length } = options;
  if ((items === undefined) === (length === undefined)) {
    throw optionError(
      source,
      'items` or `length',
      { items, length },
      'exactly one of them: the array, or its length',
    );
  }
  if (items !== undefined && !Array.isArray(items)) {
    throw optionError(source, 'items', items, 'an array');
  }
  const total = items === undefined ? safeInteger(source, 'length', length) : items.length;
  if (total < 0) throw optionError(source, 'length', total, 'an integer of 0 or more');
  return split(0, total, positiveInteger(source, 'count', options.count));
}

/** `⌈n / parts⌉`-sized partitions first, then `⌊n / parts⌋`; no product that could overflow. */
function split(from: number, to: number, count: number): RangePartition[] {
  const total = to - from;
  if (total === 0) return [{ from, to }];
  const parts = Math.min(count, total);
  const size = Math.floor(total / parts);
  const larger = total % parts;
  const partitions: RangePartition[] = [];
  let start = from;
  for (let index = 0; index < parts; index++) {
    const end = start + size + (index < larger ? 1 : 0);
    partitions.push({ from: start, to: end });
    start = end;
  }
  return partitions;
}
