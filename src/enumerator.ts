/**
 * The enumerator contract shared by the runtime and every builder in `src/enumerators/`.
 *
 * An enumerator walks a collection from a position and yields `[item, cursorAfterItem]` pairs. The
 * cursor paired with an item is the position *after* that item: persisting it and building the
 * enumerator again from it must yield exactly the items that follow, nothing skipped and nothing
 * repeated. Cursors are plain JSON data (see `src/json.ts`).
 */

/** One step of an enumeration: an item and the cursor positioned right after it. */
export type EnumeratorPair<Item, Cursor> = readonly [item: Item, cursor: Cursor];

/**
 * Optional capability of an enumerator: the number of items in the whole collection, counted from
 * the beginning (not from the cursor), so progress can show a percentage. Return `undefined` when
 * counting is not cheap.
 */
export interface SizedEnumerator {
  size(): number | undefined | Promise<number | undefined>;
}

/**
 * Optional capability of an enumerator whose items stand for several rows (a batch, a page): how
 * many rows one item counts for. With it, progress counts rows: `processed`, `skipped`, the rate
 * and the ETA add up the weights of the items done, and `size()` must count rows too. Without it,
 * every item counts one. The built-in batch builders (`batches`, `keysetBatches`, `csvBatches`)
 * weigh a batch by its length. Called once per item, so keep it cheap.
 */
export interface WeighedEnumerator<Item> {
  itemWeight(item: Item): number;
}

/**
 * Optional capability of an enumerator's async iterator that reads ahead (a page of rows, a
 * buffer of parsed records): `nextBuffered()` hands out the next pair synchronously when it is
 * already in memory, and answers `undefined` when the next one needs `next()` (a page to fetch,
 * the end, an error to report). The runtime's loop asks it first and calls `next()` only when it
 * answers `undefined`, so the rows of a fetched page cost no promise turn each; any other reader
 * may ignore it. Both methods walk the same sequence: a pair handed out by one is never handed out
 * by the other. `keyset`, `csv` and `csvBatches` implement it.
 */
export interface BufferedIterator<T> extends AsyncIterator<T> {
  nextBuffered(): T | undefined;
}

/** What `buildEnumerator` may return: any sync or async iterable of pairs, optionally sized. */
export type EnumeratorSource<Item, Cursor> =
  AsyncIterable<EnumeratorPair<Item, Cursor>> | Iterable<EnumeratorPair<Item, Cursor>>;

/** An async iterable of pairs that may also report its size; what the built-in builders return. */
export interface IterationEnumerator<Item, Cursor>
  extends
    AsyncIterable<EnumeratorPair<Item, Cursor>>,
    Partial<SizedEnumerator>,
    Partial<WeighedEnumerator<Item>> {}

/** Reads the optional `size()` of an enumerator; `undefined` when it has none or it fails. */
export function hasSize(value: unknown): value is SizedEnumerator {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { size?: unknown }).size === 'function'
  );
}

/**
 * The `itemWeight` of an enumerator as a function that always answers a whole number ≥ 0 (a
 * weight that is not one counts 1), or `undefined` when it has none: the loop then counts 1 per
 * item without calling anything.
 */
export function weightOf(value: unknown): ((item: unknown) => number) | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const weigh = (value as { itemWeight?: unknown }).itemWeight;
  if (typeof weigh !== 'function') return undefined;
  return (item) => {
    const weight: unknown = weigh.call(value, item);
    return typeof weight === 'number' && Number.isSafeInteger(weight) && weight >= 0 ? weight : 1;
  };
}
