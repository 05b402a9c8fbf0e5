/**
 * What the loop pulls its pairs from, and the errors it raises about them: an enumerator opened
 * once per pass (async or sync), checked pair by pair, and closed when the loop leaves early so
 * generators run their `finally` blocks.
 */
import type { BufferedIterator } from '../enumerator.js';
import { CursorError, EnumeratorError } from '../errors.js';
import type { JsonValue } from '../json.js';
import { describeNonJson, preview } from '../json.js';

export type Pair<Item> = readonly [Item, unknown];

export type AnyIterator<Item> = (
  | { readonly async: true; readonly it: AsyncIterator<Pair<Item>> }
  | { readonly async: false; readonly it: Iterator<Pair<Item>> }
) & {
  /**
   * The iterator's `nextBuffered` (see `BufferedIterator` in src/enumerator.ts), bound: the next
   * pair when it is already in memory, so the loop takes it without a promise turn; undefined when
   * the iterator has none.
   */
  readonly buffered: (() => Pair<Item> | undefined) | undefined;
};

export function openIterator<Item>(source: unknown, label: string): AnyIterator<Item> {
  if (source !== null && (typeof source === 'object' || typeof source === 'function')) {
    const s = source as Partial<AsyncIterable<Pair<Item>> & Iterable<Pair<Item>>>;
    const asyncIterator = s[Symbol.asyncIterator];
    if (typeof asyncIterator === 'function') {
      const it = asyncIterator.call(s) as AsyncIterator<Pair<Item>>;
      return { async: true, it, buffered: bufferedOf(it) };
    }
    const syncIterator = s[Symbol.iterator];
    if (typeof syncIterator === 'function') {
      return { async: false, it: syncIterator.call(s), buffered: undefined };
    }
  }
  throw new EnumeratorError(
    `buildEnumerator of ${label} returned ${describeReturned(source)}, which is not iterable. ` +
      'Return an (async) iterable of [item, cursorAfterItem] pairs, such as an async generator, ' +
      'or null when there is nothing to do.',
    { source: 'buildEnumerator' },
  );
}

function bufferedOf<Item>(
  it: AsyncIterator<Pair<Item>>,
): (() => Pair<Item> | undefined) | undefined {
  const nextBuffered = (it as Partial<BufferedIterator<Pair<Item>>>).nextBuffered;
  return typeof nextBuffered === 'function' ? () => nextBuffered.call(it) : undefined;
}

function describeReturned(value: unknown): string {
  if (typeof value === 'string') return `the string ${preview(value, 40)}`;
  if (typeof value === 'object' && value !== null) {
    const ctor = (value as { constructor?: { name?: string } }).constructor?.name;
    return `${ctor && ctor !== 'Object' ? `a ${ctor}` : 'an object'} ${preview(value, 60)}`;
  }
  return `${typeof value} ${preview(value, 40)}`;
}

export async function closeIterator(
  it: Iterator<unknown> | AsyncIterator<unknown>,
  async: boolean,
): Promise<void> {
  // Lets generators run their `finally` blocks (close files, release cursors). An error there must
  // not hide why the loop stopped, so it is dropped; the enumerator owns its own cleanup errors.
  try {
    const closing = it.return?.();
    if (async) await closing;
  } catch {
    /* see above */
  }
}

/** True for promises and other thenables: what a step may return to be awaited. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== undefined &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * The pair a loop pulled, checked: a two-element array whose cursor is plain JSON. Small enough to
 * be inlined in the loops; throws the enumerator's mistake otherwise.
 */
export function checkedPair<Item>(value: unknown, label: string): readonly [Item, JsonValue] {
  if (!Array.isArray(value) || value.length !== 2) throw notAPair(value, label);
  const cursor: unknown = value[1];
  const problem = describeNonJson(cursor, 'cursor');
  if (problem !== undefined) throw badCursor(cursor, problem, label);
  return value as unknown as readonly [Item, JsonValue];
}

function notAPair(value: unknown, label: string): EnumeratorError {
  return new EnumeratorError(
    `The enumerator of ${label} yielded ${preview(value)}, not an [item, cursor] pair. ` +
      'Yield two-element arrays: the item and the cursor positioned after it.',
    { source: 'enumerator' },
  );
}

function badCursor(cursor: unknown, problem: string, label: string): CursorError {
  return new CursorError(
    `The enumerator of ${label} yielded a cursor that is not plain JSON data (${problem}). ` +
      'Cursors are stored as JSON, so use strings, finite numbers, booleans, null, arrays and ' +
      'plain objects; nothing was written, the last good checkpoint stays.',
    { cursor },
  );
}
