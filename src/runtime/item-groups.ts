/**
 * Items pulled together for one unit of effects (`itemsPerTransaction` > 1): the source layer
 * groups the enumerator's pairs, and the group is one loop item whose weight is the sum of its
 * items' rows, so `processed` counts rows whatever the grouping.
 */
import { CursorError, EnumeratorError } from '../errors.js';
import type { JsonValue } from '../json.js';
import { describeNonJson, preview } from '../json.js';

/** One item of a group: the item, the cursor after it and the rows it counts for. */
export interface GroupedPair {
  readonly item: unknown;
  readonly cursor: JsonValue;
  readonly weight: number;
}

export class ItemGroup {
  /** Rows of every item in the group. */
  readonly weight: number;

  constructor(readonly pairs: readonly GroupedPair[]) {
    let weight = 0;
    for (const pair of pairs) weight += pair.weight;
    this.weight = weight;
  }
}

/** Pairs of `source` in groups of `size`, each yielded with the cursor of its last item. */
export async function* grouped(
  source: unknown,
  size: number,
  weigh: ((item: unknown) => number) | undefined,
  label: string,
): AsyncGenerator<readonly [ItemGroup, JsonValue]> {
  let pairs: GroupedPair[] = [];
  for await (const pair of source as AsyncIterable<unknown>) {
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw new EnumeratorError(
        `The enumerator of ${label} yielded ${preview(pair)}, not an [item, cursor] pair. ` +
          'Yield two-element arrays: the item and the cursor positioned after it.',
        { source: 'enumerator' },
      );
    }
    const [item, cursor] = pair as [unknown, JsonValue];
    // The loop checks only the group's cursor; a bad one inside must not reach the database.
    const problem = describeNonJson(cursor, 'cursor');
    if (problem !== undefined) {
      throw new CursorError(
        `The enumerator of ${label} yielded a cursor that is not plain JSON data (${problem}). ` +
          'Cursors are stored as JSON; nothing was written, the last good checkpoint stays.',
        { cursor },
      );
    }
    pairs.push({ item, cursor, weight: weigh === undefined ? 1 : weigh(item) });
    if (pairs.length === size) {
      yield [new ItemGroup(pairs), cursor] as const;
      pairs = [];
    }
  }
  if (pairs.length > 0) yield [new ItemGroup(pairs), pairs[pairs.length - 1]!.cursor] as const;
}

/** The weight of a loop item that may be a group. */
export const groupWeight = (item: unknown): number => (item as ItemGroup).weight;
