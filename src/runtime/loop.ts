/**
 * The per-item loop: ask the throttle gate, pull a pair, check its cursor, run the step, record the
 * cursor, hand it to the checkpoint writer. This is the hottest path of the library, so the loop is
 * chosen once per pass: a run that uses none of the per-item features (throttle conditions, run
 * limits, weighed items, an item policy or effect scope, strict checkpoints, a host's item hook)
 * runs the plain loop (plain-loop.ts), which does only what every item needs; this file holds the
 * full loop, which tests each feature the run has. Per item, either does only property reads, one
 * cursor check and at most one await per async call it cannot avoid; sync iterables and sync steps
 * are not awaited at all.
 */
import { coarseNow } from './coarse-clock.js';
import { outcomeOf } from './item-outcome.js';
import type { LoopEnd, LoopRun } from './loop-run.js';
import { attendTo, YIELD_AFTER_MS, yieldToEventLoop } from './loop-run.js';
import type { AnyIterator, Pair } from './loop-source.js';
import { checkedPair, closeIterator, isThenable, openIterator } from './loop-source.js';
import { runPlainLoop } from './plain-loop.js';
import { RunFailure } from './run-failure.js';

export type { LoopEnd, LoopRun } from './loop-run.js';
export { isThenable } from './loop-source.js';

/**
 * Runs the loop over `source`; `weigh` gives the rows of an item (undefined: one each). Rejects
 * with a {@link RunFailure}.
 */
export async function runLoop<Item>(
  source: unknown,
  run: LoopRun<Item>,
  weigh: ((item: Item) => number) | undefined,
): Promise<LoopEnd> {
  const opened = openIterator<Item>(source, run.label);
  const plain =
    !run.strict &&
    !run.throttling &&
    run.atBoundary === undefined &&
    weigh === undefined &&
    run.plainItems;
  return plain ? runPlainLoop(opened, run) : runFullLoop(opened, run, weigh);
}

async function runFullLoop<Item>(
  { async, it, buffered }: AnyIterator<Item>,
  run: LoopRun<Item>,
  weigh: ((item: Item) => number) | undefined,
): Promise<LoopEnd> {
  // Fixed for the run, so read once: without conditions the per-item cost of throttling is one test.
  const { throttling, strict, writer, progress, atBoundary } = run;
  let finished = false;
  let inStep = false;
  let lastTurn = coarseNow();
  try {
    for (;;) {
      // Checked before the next pair is pulled, so an interrupted run does not fetch another page
      // and a throttled one does not query the resource it is backing off from.
      if (run.halted) return run.signal.aborted ? 'interrupted' : 'stopped';
      if (throttling) {
        const held = run.checkThrottle();
        if (held === true) return 'throttled';
        if (held !== false) {
          if (await held) return 'throttled';
          // The await let a shutdown or a lost lock in; honour it before fetching.
          if (run.signal.aborted) return 'interrupted';
        }
      }
      // A pair already in memory first (the rest of a fetched page): no promise turn for it.
      let value: unknown = buffered === undefined ? undefined : buffered();
      if (value === undefined) {
        const next = async
          ? await (it as AsyncIterator<Pair<Item>>).next()
          : (it as Iterator<Pair<Item>>).next();
        if (next.done === true) {
          finished = true;
          return 'exhausted';
        }
        value = next.value;
      }
      // Checked before the step runs, so a bad cursor never gets an item processed or written.
      const pair = checkedPair<Item>(value, run.label);
      const cursor = pair[1];
      const item = pair[0];
      // Weighed before the step, which may change a batch it was handed.
      const weight = weigh === undefined ? 1 : weigh(item);
      inStep = true;
      let settled = run.step(item, cursor, weight);
      if (isThenable(settled)) settled = await settled;
      inStep = false;
      // A step's own return value is not an outcome: only the layers' Skip and GroupParts are.
      run.advance(cursor, weight, settled === undefined ? undefined : outcomeOf(settled));
      // One look at the clock per item (a shared-memory read: see coarse-clock.ts), so whatever an
      // item costs, the writer's bounds and the yield below are in time.
      const now = coarseNow();
      if (strict) await writer.commit();
      else if (writer.itemDone(now)) await attendTo(writer, now);
      if (atBoundary !== undefined) {
        // Its errors (those of `interruptWhen`) are the job's, like the step's.
        inStep = true;
        const checked = atBoundary();
        if (checked !== undefined) await checked;
        inStep = false;
      }
      // See plain-loop.ts: CPU-bound items must still let timers and I/O run.
      if (now - lastTurn >= YIELD_AFTER_MS) {
        if (progress.due) progress.tick();
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
