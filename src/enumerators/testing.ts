/**
 * Test helpers for enumerators: run one the way the runtime does, interrupting it and building it
 * again from the saved cursor, and check that the items processed over all runs are exactly those
 * of one uninterrupted pass. Every built-in builder is tested with these; use them for your own.
 */
import { AssertionError } from 'node:assert';
import { isDeepStrictEqual } from 'node:util';

import type { EnumeratorSource } from '../enumerator.js';
import { hasSize, weightOf } from '../enumerator.js';
import { describeNonJson, preview } from '../json.js';

/** Builds the enumerator under test from a cursor, as `buildEnumerator` would. */
export type BuildFromCursor<Item, Cursor> = (
  cursor: Cursor | null,
) => EnumeratorSource<Item, Cursor> | Promise<EnumeratorSource<Item, Cursor>>;

/** What a run with interruptions processed. */
export interface InterruptedRun<Item, Cursor> {
  /** Items processed over all runs, in order. */
  readonly items: Item[];
  /** The cursor saved after each of them. */
  readonly cursors: Cursor[];
  /** The cursor each run started from (`null` for the first). */
  readonly starts: (Cursor | null)[];
  /** `size()` of each run's enumerator, when it has one. */
  readonly sizes: (number | undefined)[];
  /**
   * The rows each item counts for in progress: its `itemWeight` for an enumerator that weighs its
   * items (batches), else 1.
   */
  readonly weights: number[];
}

export interface RunOptions {
  /** Fail when more items than this come out (an enumerator that never ends). @defaultValue 10_000 */
  readonly maxItems?: number;
}

/**
 * Runs the enumerator that `build` returns as the runtime would, stopping after `stops[0]` items,
 * saving the cursor as a checkpoint does (checked to be plain JSON, serialized, and parsed back
 * with object keys reordered, as PostgreSQL's `jsonb` does), building it again from that cursor,
 * stopping after `stops[1]` more items, and so on; the last run goes to the end. A stop of 0 is a
 * run interrupted before its first item; a stop past the end is a run that finishes.
 *
 * @example
 * ```ts
 * const run = await runWithInterruptions((cursor) => array(['a', 'b', 'c'], { cursor }), [1, 0, 1]);
 * expect(run.items).toEqual(['a', 'b', 'c']);
 * ```
 */
export async function runWithInterruptions<Item, Cursor>(
  build: BuildFromCursor<Item, Cursor>,
  stops: readonly number[],
  options: RunOptions = {},
): Promise<InterruptedRun<Item, Cursor>> {
  const maxItems = options.maxItems ?? 10_000;
  const run: InterruptedRun<Item, Cursor> = {
    items: [],
    cursors: [],
    starts: [],
    sizes: [],
    weights: [],
  };
  let cursor: Cursor | null = null;
  for (let segment = 0; segment <= stops.length; segment++) {
    const limit = segment < stops.length ? (stops[segment] as number) : Infinity;
    run.starts.push(cursor);
    const source = await build(cursor);
    run.sizes.push(hasSize(source) ? await source.size() : undefined);
    const weigh = weightOf(source);
    const iterator = open(source);
    try {
      // Like the runtime: decide to stop before asking for the next pair, never after.
      for (let taken = 0; taken < limit; taken++) {
        const step = await iterator.next();
        if (step.done === true) break;
        const pair = step.value as unknown;
        if (!Array.isArray(pair) || pair.length !== 2) {
          fail(`the enumerator yielded ${preview(pair)}; expected an [item, cursor] pair`, run);
        }
        const [item, after] = pair as [Item, Cursor];
        run.items.push(item);
        run.weights.push(weigh === undefined ? 1 : weigh(item));
        run.cursors.push(after);
        cursor = saveCursor(after, run);
        if (run.items.length > maxItems) {
          fail(`more than ${maxItems} items came out; raise \`maxItems\` if that is right`, run);
        }
      }
    } finally {
      await iterator.return?.();
    }
  }
  return run;
}

export interface AssertResumableOptions extends RunOptions {
  /**
   * The interruption schedules to try, each a list of stops as for `runWithInterruptions`.
   * `'every'` tries one interruption after each possible number of items (0 to the total), an
   * interruption after every item, and two interruptions in a row before the first item.
   * @defaultValue 'every'
   */
  readonly stops?: 'every' | readonly (readonly number[])[];
  /**
   * Also check that `size()`, when the enumerator has one and it returns a number, equals the
   * number of items of the whole collection (the sum of their weights, for an enumerator that
   * weighs its items), whatever cursor it was built from. Turn it off for enumerators whose size is
   * an estimate. @defaultValue true
   */
  readonly checkSize?: boolean;
  /** How items are compared. @defaultValue `util.isDeepStrictEqual` */
  readonly isEqual?: (actual: unknown, expected: unknown) => boolean;
}

/**
 * Asserts that the enumerator `build` returns can be interrupted and resumed anywhere: for each
 * schedule of interruptions, the items processed over all runs must equal those of one
 * uninterrupted pass, nothing skipped and nothing repeated. Throws an `AssertionError` that says
 * where it went wrong; returns the uninterrupted pass otherwise.
 *
 * The collection must not change while the check runs, and should be small: the default schedules
 * walk it about as many times as it has items.
 *
 * @example
 * ```ts
 * import { assertResumable } from 'bullmq-iteration/testing';
 *
 * test('my enumerator resumes anywhere', async () => {
 *   await assertResumable((cursor) => myEnumerator({ cursor, pageSize: 3 }));
 * });
 * ```
 */
export async function assertResumable<Item, Cursor>(
  build: BuildFromCursor<Item, Cursor>,
  options: AssertResumableOptions = {},
): Promise<InterruptedRun<Item, Cursor>> {
  const isEqual = options.isEqual ?? isDeepStrictEqual;
  const whole = await runWithInterruptions(build, [], options);
  const total = whole.items.length;
  const schedules =
    options.stops === undefined || options.stops === 'every' ? everyStop(total) : options.stops;
  const rows = whole.weights.reduce((sum, weight) => sum + weight, 0);
  if (options.checkSize !== false) checkSizes(whole, rows, []);
  for (const stops of schedules) {
    const run = await runWithInterruptions(build, stops, options);
    if (options.checkSize !== false) checkSizes(run, rows, stops);
    const length = Math.max(run.items.length, total);
    for (let index = 0; index < length; index++) {
      const actual = run.items[index];
      const expected = whole.items[index];
      if (index >= run.items.length || index >= total || !isEqual(actual, expected)) {
        throw new AssertionError({
          message:
            `Interrupted after [${stops.join(', ')}] items, the runs together yielded ` +
            `${run.items.length} items where one uninterrupted pass yields ${total}; the first ` +
            `difference is at item ${index}: ${describeItem(run.items, index)} instead of ` +
            `${describeItem(whole.items, index)}. The runs started from the cursors ` +
            `${run.starts.map((c) => preview(c, 80)).join(', ')}.`,
          actual: run.items,
          expected: whole.items,
          operator: 'assertResumable',
        });
      }
    }
  }
  return whole;
}

function everyStop(total: number): number[][] {
  const single = Array.from({ length: total + 1 }, (_, count) => [count]);
  return [...single, Array.from({ length: total }, () => 1), [0, 0]];
}

function checkSizes(
  run: InterruptedRun<unknown, unknown>,
  total: number,
  stops: readonly number[],
) {
  run.sizes.forEach((size, index) => {
    if (size !== undefined && size !== total) {
      throw new AssertionError({
        message:
          `size() returned ${size} for the enumerator built from cursor ` +
          `${preview(run.starts[index], 80)} (run ${index + 1} of the schedule [${stops.join(', ')}]), ` +
          `but the whole collection has ${total} items (rows, for an enumerator that weighs its ` +
          `items). size() counts from the beginning, ` +
          `whatever the cursor; pass \`checkSize: false\` if it is an estimate.`,
        actual: size,
        expected: total,
        operator: 'assertResumable',
      });
    }
  });
}

function describeItem(items: readonly unknown[], index: number): string {
  return index < items.length ? preview(items[index], 80) : 'nothing (the runs had ended)';
}

/** What a checkpoint does to a cursor: refuse what is not JSON, then store and read it back. */
function saveCursor<Cursor>(cursor: Cursor, run: InterruptedRun<unknown, unknown>): Cursor {
  const problem = describeNonJson(cursor, 'cursor');
  if (problem !== undefined) {
    fail(`the cursor after item ${run.items.length - 1} is not plain JSON data: ${problem}`, run);
  }
  return reorderKeys(JSON.parse(JSON.stringify(cursor))) as Cursor;
}

/** Reverses the key order of every object, as a stand-in for `jsonb`'s own reordering. */
function reorderKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reorderKeys);
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value).reverse();
  return Object.fromEntries(entries.map(([key, child]) => [key, reorderKeys(child)]));
}

function fail(problem: string, run: InterruptedRun<unknown, unknown>): never {
  throw new AssertionError({
    message: `${problem} (after ${run.items.length} items, run ${run.starts.length}).`,
    operator: 'runWithInterruptions',
  });
}

interface PairIterator {
  next(): Promise<IteratorResult<unknown>>;
  return?(): Promise<unknown>;
}

function open(source: EnumeratorSource<unknown, unknown>): PairIterator {
  if (Symbol.asyncIterator in source) {
    const iterator = source[Symbol.asyncIterator]();
    return {
      next: () => iterator.next(),
      ...(iterator.return ? { return: () => iterator.return!() } : {}),
    };
  }
  const iterator = (source as Iterable<unknown>)[Symbol.iterator]();
  return {
    next: async () => iterator.next(),
    ...(iterator.return ? { return: async () => iterator.return!() } : {}),
  };
}
