/**
 * `splitKeyset`: where a running keyset partition can give up its tail for rebalancing. It asks
 * the database for the row halfway through what is left after the cursor; applying the split
 * (fenced, at an item boundary) is the runtime's job.
 */
import type { KeysetOptions } from '../enumerators/sql/keyset-options.js';
import { keysetStart, resolveKeysetOptions } from '../enumerators/sql/keyset-options.js';
import { planKeyset } from '../enumerators/sql/keyset-plan.js';
import { checked } from '../enumerators/sql/statement.js';
import { optionError, positiveInteger } from '../enumerators/validate.js';
import type { KeysetPartition } from './keyset.js';

export interface SplitKeysetOptions extends Omit<
  KeysetOptions,
  'count' | 'cursor' | 'batchSize' | 'after' | 'until'
> {
  /** The running partition, as `keysetPartitions` (or an earlier split) made it. */
  readonly partition: KeysetPartition;
  /** The cursor last saved for the partition; `null` before its first row. */
  readonly cursor: unknown;
  /**
   * Rows past the cursor that stay with the running partition whatever the split: the row (or
   * batch) in flight, which the cursor does not cover yet. Use the batch size with
   * `keysetBatches`. @defaultValue 1
   */
  readonly ahead?: number;
  /** Smallest new partition worth making, in rows. @defaultValue 1 */
  readonly minRows?: number;
}

/**
 * Splits what is left of a keyset partition after `cursor` in two halves by row count: the running
 * partition keeps the rows up to the split key (`until` becomes that key), a new partition takes
 * the rows after it up to the old `until`. Returns `undefined` when fewer than `minRows` rows would
 * move. Costs a count of the rows left and a scan of half of them, both along the key's index.
 *
 * Rows are assigned by key, so a row inserted later falls in exactly one of the two partitions;
 * the split key is at least `ahead` rows past the cursor, so nothing in flight moves.
 *
 * @example
 * ```ts
 * const halves = await splitKeyset({
 *   query, table: 'users', columns: ['id'], partition, cursor: savedCursor,
 * });
 * if (halves !== undefined) {
 *   const [shrunk, added] = halves; // shrunk.until === added.after, the split key
 * }
 * ```
 */
export async function splitKeyset(
  options: SplitKeysetOptions,
): Promise<[shrunk: KeysetPartition, added: KeysetPartition] | undefined> {
  const source = 'splitKeyset';
  const { partition, cursor, ahead: aheadOption, minRows: minOption, ...keysetOptions } = options;
  const ahead = positiveInteger(source, 'ahead', aheadOption ?? 1);
  const minRows = positiveInteger(source, 'minRows', minOption ?? 1);
  if (typeof partition !== 'object' || partition === null) {
    throw optionError(source, 'partition', partition, 'a keyset partition { after, until }');
  }
  const columns = keysetOptions.columns;
  // The rows left: after the cursor (or the partition's start), up to the partition's end.
  const probe = resolveKeysetOptions(
    { ...keysetOptions, batchSize: 1, after: partition.after, until: partition.until },
    source,
  );
  const from = keysetStart(cursor, columns, source) ?? probe.after;
  const spec = { ...probe, after: from };
  const plan = await planKeyset(spec);
  const counted = await checked(spec.query, plan.count, plan.countValues, 'counting', source, from);
  const left = Number(counted.rows[0]?.n ?? 0);
  const rank = Math.max(ahead, Math.ceil(left / 2));
  if (left - rank < minRows) return undefined;
  const values = [...plan.pageValues(from), rank - 1];
  const text = `${from === null ? plan.firstPage : plan.nextPage} OFFSET $${values.length}`;
  const { rows } = await checked(spec.query, text, values, 'finding the split key', source, from);
  const row = rows[0];
  if (row === undefined) return undefined; // rows were deleted between the two statements
  const point = plan.cursorOf(row);
  return [
    { after: partition.after, until: point },
    { after: point, until: partition.until },
  ];
}
