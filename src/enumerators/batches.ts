/**
 * `batches`: groups the items of any enumerator into arrays. The cursor of a batch is the cursor of
 * its last item, so a resumed job never yields a finished batch again, and an interrupted batch
 * (saved cursor still before it) is rebuilt whole from its first item.
 */
import type { EnumeratorSource, IterationEnumerator } from '../enumerator.js';
import { hasSize, weightOf } from '../enumerator.js';
import { EnumeratorError } from '../errors.js';
import { enumerable } from './enumerable.js';
import { checkPair, isEnumeratorSource, positiveInteger, shown } from './validate.js';

/**
 * Enumerates `source` in arrays of `batchSize` items (the last one may be shorter). The cursor is
 * the source's own cursor type, so `batches(source, n)` resumes from a cursor `source` saved and
 * vice versa; a change of `batchSize` between runs only regroups the items still to come.
 *
 * Progress counts the source's items, not batches: a batch weighs its length (or the sum of its
 * items' weights, for a source of batches; see `WeighedEnumerator`), and `size()` is the source's
 * own size.
 *
 * @example
 * ```ts
 * defineIterationJob({
 *   name: 'bulk-index',
 *   buildEnumerator: ({ params, cursor }) => batches(array(params.ids, { cursor }), 100),
 *   async eachIteration(ids) { await searchIndex.bulkUpsert(ids); },
 * });
 * ```
 */
export function batches<Item, Cursor>(
  source: EnumeratorSource<Item, Cursor>,
  batchSize: number,
): IterationEnumerator<Item[], Cursor> {
  const size = positiveInteger('batches', 'batchSize', batchSize);
  if (!isEnumeratorSource(source)) {
    throw new EnumeratorError(
      `batches: expected \`source\` to be an enumerator (an iterable of [item, cursor] pairs), ` +
        `got ${shown(source)}.`,
      { source: 'batches' },
    );
  }
  return enumerable(
    async function* () {
      let batch: Item[] = [];
      let last: Cursor | undefined;
      for await (const pair of source) {
        checkPair('batches', 'its source', pair);
        batch.push(pair[0]);
        last = pair[1];
        if (batch.length === size) {
          yield [batch, last] as const;
          batch = [];
        }
      }
      if (batch.length > 0) yield [batch, last as Cursor] as const;
    },
    hasSize(source) ? () => source.size() : undefined,
    batchWeight(weightOf(source)),
  );
}

/** A batch weighs its length, or the sum of its items' weights when they have one. */
function batchWeight<Item>(
  inner: ((item: unknown) => number) | undefined,
): (batch: Item[]) => number {
  if (inner === undefined) return (batch) => batch.length;
  return (batch) => {
    let weight = 0;
    for (const item of batch) weight += inner(item);
    return weight;
  };
}
