/**
 * The per-item loop: ask the throttle gate, pull a pair, check its cursor, run the step, record the
 * cursor, hand it to the checkpoint writer. This is the hottest path of the library, so per item it
 * does only property reads, one cursor check and at most one await per async call it cannot avoid;
 * sync iterables and sync steps are not awaited at all, and a run without throttle conditions pays
 * one local boolean test for throttling.
 */
import { CursorError, EnumeratorError } from '../errors.js';
import { describeNonJson, type JsonValue, preview } from '../json.js';
import type { CheckpointWriter } from './checkpoint-writer.js';
import { coarseNow } from './coarse-clock.js';
import type { ItemOutcome } from './item-outcome.js';
import { outcomeOf } from './item-outcome.js';
import { RunFailure } from './run-failure.js';

/** Longest stretch the loop runs without letting timers and I/O run. */
const YIELD_AFTER_MS = 20;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * How the loop ended: enumerator exhausted, `ctx.stop()` called, interrupted, or a throttle
 * condition held before the next fetch.
 */
export type LoopEnd = 'exhausted' | 'stopped' | 'interrupted' | 'throttled';

export interface LoopRun<Item> {
  /** `iteration job "name" (id 42)`, for error messages. */
  readonly label: string;
  readonly signal: AbortSignal;
  readonly strict: boolean;
  readonly writer: CheckpointWriter;
  readonly progress: { readonly due: boolean; tick(): void };
  /** True once `ctx.stop()` was called. */
  readonly stopRequested: boolean;
  /** True when the run has throttle conditions; read once, when the loop starts. */
  readonly throttling: boolean;
  /** True when a throttle condition holds now; a promise only when a check had to be awaited. */
  checkThrottle(): boolean | Promise<boolean>;
  /**
   * Runs one item (its layers: item policy, effect scope, the job's step); `cursor` is the position
   * after it, `weight` the rows it counts for. Read per item: telemetry swaps it to time a sample.
   */
  step(item: Item, cursor: JsonValue, weight: number): unknown;
  /**
   * Records a finished item: the cursor after it, its rows, and what it settled to (`undefined`
   * when done; a skip, or a group's parts: see item-outcome.ts).
   */
  advance(cursor: JsonValue, weight: number, outcome: ItemOutcome): void;
  /**
   * Run limits and `interruptWhen`, checked after each finished item (see limits.ts); undefined
   * when the job has none, so such a run pays one test per item. Read once, when the loop starts.
   */
  readonly atBoundary?: (() => void | Promise<void>) | undefined;
}

type Step<Item> = IteratorResult<readonly [Item, unknown]>;
type AnyIterator<Item> =
  | { readonly async: true; readonly it: AsyncIterator<readonly [Item, unknown]> }
  | { readonly async: false; readonly it: Iterator<readonly [Item, unknown]> };

/**
 * Runs the loop over `source`; `weigh` gives the rows of an item (undefined: one each). Rejects
 * with a {@link RunFailure}.
 */
export async function runLoop<Item>(
  source: unknown,
  run: LoopRun<Item>,
  weigh: ((item: Item) => number) | undefined,
): Promise<LoopEnd> {
  const { async, it } = openIterator<Item>(source, run.label);
  // Fixed for the run, so read once: without conditions the per-item cost of throttling is one test.
  const { throttling, strict, writer, progress, atBoundary } = run;
  let finished = false;
  let inStep = false;
  let lastTurn = coarseNow();
  try {
    for (;;) {
      // Checked before the next pair is pulled, so an interrupted run does not fetch another page
      // and a throttled one does not query the resource it is backing off from.
      if (run.signal.aborted) return 'interrupted';
      if (run.stopRequested) return 'stopped';
      if (throttling) {
        const held = run.checkThrottle();
        if (held === true) return 'throttled';
        if (held !== false) {
          if (await held) return 'throttled';
          // The await let a shutdown or a lost lock in; honour it before fetching.
          if (run.signal.aborted) return 'interrupted';
        }
      }
      const next: Step<Item> = async
        ? await (it as AsyncIterator<readonly [Item, unknown]>).next()
        : (it as Iterator<readonly [Item, unknown]>).next();
      if (next.done === true) {
        finished = true;
        return 'exhausted';
      }
      const pair: unknown = next.value;
      if (!Array.isArray(pair) || pair.length !== 2) throw notAPair(pair, run.label);
      const cursor: unknown = pair[1];
      // Checked before the step runs, so a bad cursor never gets an item processed or written.
      const problem = describeNonJson(cursor, 'cursor');
      if (problem !== undefined) throw badCursor(cursor, problem, run.label);
      const item = pair[0] as Item;
      // Weighed before the step, which may change a batch it was handed.
      const weight = weigh === undefined ? 1 : weigh(item);
      inStep = true;
      let settled = run.step(item, cursor as JsonValue, weight);
      if (isThenable(settled)) settled = await settled;
      inStep = false;
      // A step's own return value is not an outcome: only the layers' Skip and GroupParts are.
      run.advance(
        cursor as JsonValue,
        weight,
        settled === undefined ? undefined : outcomeOf(settled),
      );
      // One look at the clock per item (a shared-memory read: see coarse-clock.ts), so whatever an
      // item costs, the two bounds below are in time.
      const now = coarseNow();
      if (strict) await writer.commit();
      else {
        writer.markDirty();
        // Backpressure: a store that is slow or failing makes the loop wait, so the items a crash
        // or a lost lock would redo stay within the writer's lag bound, whatever the latency.
        if (writer.behind(now)) await writer.flush();
        const failure = writer.failure;
        if (failure !== undefined) throw failure.error;
      }
      if (atBoundary !== undefined) {
        // Its errors (those of `interruptWhen`) are the job's, like the step's.
        inStep = true;
        const checked = atBoundary();
        if (checked !== undefined) await checked;
        inStep = false;
      }
      if (progress.due) progress.tick();
      // Items that never wait on I/O (sync or CPU-bound steps, in-memory enumerators, resolved
      // promises) would otherwise hold the event loop: no lock renewal (the job would stall and
      // run twice), no checkpoint landing, no shutdown or control request seen. After
      // YIELD_AFTER_MS without a turn the loop lets timers and I/O run, even after a single item.
      if (now - lastTurn >= YIELD_AFTER_MS) {
        await yieldToEventLoop();
        lastTurn = coarseNow();
      }
    }
  } catch (error) {
    throw new RunFailure(error, inStep);
  } finally {
    if (!finished) await closeIterator(it, async);
  }
}

function openIterator<Item>(source: unknown, label: string): AnyIterator<Item> {
  if (source !== null && (typeof source === 'object' || typeof source === 'function')) {
    const s = source as Partial<
      AsyncIterable<readonly [Item, unknown]> & Iterable<readonly [Item, unknown]>
    >;
    const asyncIterator = s[Symbol.asyncIterator];
    if (typeof asyncIterator === 'function') return { async: true, it: asyncIterator.call(s) };
    const syncIterator = s[Symbol.iterator];
    if (typeof syncIterator === 'function') return { async: false, it: syncIterator.call(s) };
  }
  throw new EnumeratorError(
    `buildEnumerator of ${label} returned ${describeReturned(source)}, which is not iterable. ` +
      'Return an (async) iterable of [item, cursorAfterItem] pairs, such as an async generator, ' +
      'or null when there is nothing to do.',
    { source: 'buildEnumerator' },
  );
}

function describeReturned(value: unknown): string {
  if (typeof value === 'string') return `the string ${preview(value, 40)}`;
  if (typeof value === 'object' && value !== null) {
    const ctor = (value as { constructor?: { name?: string } }).constructor?.name;
    return `${ctor && ctor !== 'Object' ? `a ${ctor}` : 'an object'} ${preview(value, 60)}`;
  }
  return `${typeof value} ${preview(value, 40)}`;
}

async function closeIterator(it: Iterator<unknown> | AsyncIterator<unknown>, async: boolean) {
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
