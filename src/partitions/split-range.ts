/**
 * `splitRange`: where a running range or array partition can give up its tail for rebalancing.
 * Pure: given the partition and the cursor last saved for it, it proposes the shrunk partition
 * and the new one; applying the split (fenced, at an item boundary) is the runtime's job.
 */
import { cursorError, optionError, positiveInteger } from '../enumerators/validate.js';
import type { RangePartition } from './range.js';

export interface SplitRangeOptions {
  /**
   * Items past the cursor that stay with the running partition whatever the split: the item
   * (or batch) in flight when the split is decided, which the cursor does not cover yet. Use the
   * batch size when the enumerator is wrapped in `batches`. @defaultValue 1
   */
  readonly ahead?: number;
  /** Smallest new partition worth making; smaller tails are not split. @defaultValue 1 */
  readonly minItems?: number;
}

/**
 * Splits what is left of a `range` or `array` partition in two halves: the running partition
 * keeps `[from, point)`, a new partition takes `[point, to)`. `cursor` is the cursor saved for the
 * partition (the next number, or `null` before the first item). Returns `undefined` when the tail
 * past `cursor + ahead` is smaller than `minItems`.
 *
 * The point is always at least `ahead` past the cursor, so no item the running partition may be
 * processing moves; every number stays in exactly one of the two partitions.
 *
 * @example
 * ```ts
 * splitRange({ from: 0, to: 100 }, 20);
 * // [{ from: 0, to: 60 }, { from: 60, to: 100 }]
 * splitRange({ from: 0, to: 100 }, 99); // undefined: one item left, the one in flight
 * ```
 */
export function splitRange(
  partition: RangePartition,
  cursor: unknown,
  options: SplitRangeOptions = {},
): [shrunk: RangePartition, added: RangePartition] | undefined {
  const source = 'splitRange';
  const { from, to } = partition;
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || to < from) {
    throw optionError(source, 'partition', partition, 'a range partition { from, to }, from ≤ to');
  }
  const ahead = positiveInteger(source, 'ahead', options.ahead ?? 1);
  const minItems = positiveInteger(source, 'minItems', options.minItems ?? 1);
  const next = cursor ?? from;
  if (typeof next !== 'number' || !Number.isSafeInteger(next) || next < from || next > to) {
    throw cursorError(source, cursor, `null or an integer from ${from} to ${to} (the next number)`);
  }
  // Half of what is left, but never inside the items in flight.
  const point = Math.max(next + ahead, next + Math.ceil((to - next) / 2));
  if (to - point < minItems) return undefined;
  return [
    { from, to: point },
    { from: point, to },
  ];
}
