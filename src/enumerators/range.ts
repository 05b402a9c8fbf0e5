/**
 * `range` and `times`: integer sequences, for jobs that walk numbered things (shards, partitions,
 * days since an epoch). The cursor is the next number, so it reads like the work itself.
 */
import type { IterationEnumerator } from '../enumerator.js';
import { enumerable } from './enumerable.js';
import { cursorError, optionError, optionsObject, safeInteger } from './validate.js';

/** Cursor of `range` and `times`: the next number to yield. */
export type RangeCursor = number;

export interface RangeOptions {
  /** First number. @defaultValue 0 */
  readonly from?: number;
  /** End of the range, excluded. */
  readonly to: number;
  /** Difference between consecutive numbers; negative to count down. @defaultValue 1 */
  readonly step?: number;
  /** The cursor the runtime passed: `null` (or omitted) to start at `from`. */
  readonly cursor?: unknown;
}

/**
 * Enumerates the integers `from, from + step, …` up to `to` (excluded).
 *
 * @example
 * ```ts
 * // The 64 shards of a table, one item per shard.
 * buildEnumerator: ({ cursor }) => range({ from: 0, to: 64, cursor }),
 * // Every tenth id, counting down.
 * buildEnumerator: ({ cursor }) => range({ from: 1000, to: 0, step: -10, cursor }),
 * // One partition of a parallel run, planned by rangePartitions.
 * buildEnumerator: ({ cursor, partition }) =>
 *   range({ from: partition.from, to: partition.to, cursor }),
 * ```
 */
export function range(options: RangeOptions): IterationEnumerator<number, RangeCursor> {
  optionsObject('range', options, 'range({ from: 0, to: 10, cursor })');
  return integers('range', options);
}

/**
 * Enumerates `0, 1, …, count - 1`: a job that runs a step `count` times.
 *
 * @example
 * ```ts
 * buildEnumerator: ({ params, cursor }) => times(params.rounds, { cursor }),
 * ```
 */
export function times(
  count: number,
  options: { readonly cursor?: unknown } = {},
): IterationEnumerator<number, RangeCursor> {
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) {
    throw optionError('times', 'count', count, 'an integer of 0 or more');
  }
  return integers('times', { to: count, cursor: options.cursor });
}

function integers(source: string, options: RangeOptions): IterationEnumerator<number, RangeCursor> {
  const from = safeInteger(source, 'from', options.from ?? 0);
  const to = safeInteger(source, 'to', options.to);
  const step = options.step ?? 1;
  if (typeof step !== 'number' || !Number.isSafeInteger(step) || step === 0) {
    throw optionError(source, 'step', step, 'a non-zero integer');
  }
  const count = Math.max(0, Math.ceil((to - from) / step));
  const end = from + count * step;
  const start = rangeStart(source, options.cursor, from, end, step);
  return enumerable(
    async function* () {
      for (let value = start; value !== end; value += step) {
        yield [value, value + step] as const;
      }
    },
    () => count,
  );
}

function rangeStart(source: string, cursor: unknown, from: number, end: number, step: number) {
  if (cursor === null || cursor === undefined) return from;
  const [low, high] = step > 0 ? [from, end] : [end, from];
  if (
    typeof cursor !== 'number' ||
    !Number.isSafeInteger(cursor) ||
    cursor < low ||
    cursor > high ||
    (cursor - from) % step !== 0
  ) {
    const stepText = Math.abs(step) === 1 ? '' : `, a multiple of ${step} from ${from}`;
    throw cursorError(source, cursor, `null or an integer from ${low} to ${high}${stepText}`);
  }
  return cursor;
}
