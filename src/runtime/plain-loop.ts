/**
 * The plain loop: the loop of a run that uses none of the per-item features (see loop.ts), chosen
 * once per pass. What it does per item is what every run needs and nothing else: a look at the
 * run's halt flag, the next pair, the pair and cursor checks, the step, the ledger's advance, a
 * look at the clock, and the checkpoint writer's `itemDone` (one increment and two comparisons:
 * writes start and backpressure waits only when it asks for attention).
 */
import { coarseNow } from './coarse-clock.js';
import type { LoopEnd, LoopRun } from './loop-run.js';
import { attendTo, YIELD_AFTER_MS, yieldToEventLoop } from './loop-run.js';
import type { AnyIterator, Pair } from './loop-source.js';
import { checkedPair, closeIterator, isThenable } from './loop-source.js';
import { RunFailure } from './run-failure.js';

export async function runPlainLoop<Item>(
  { async, it, buffered }: AnyIterator<Item>,
  run: LoopRun<Item>,
): Promise<LoopEnd> {
  const { writer, progress } = run;
  let finished = false;
  let inStep = false;
  let lastTurn = coarseNow();
  try {
    for (;;) {
      // Before the next pair is pulled: an interrupted run does not fetch another page.
      if (run.halted) return run.signal.aborted ? 'interrupted' : 'stopped';
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
      inStep = true;
      const pending = run.step(pair[0], cursor, 1);
      if (isThenable(pending)) await pending;
      inStep = false;
      run.advance(cursor, 1, undefined);
      // One look at the clock per item (a shared-memory read: see coarse-clock.ts), so whatever an
      // item costs, the writer's bounds and the yield below are in time.
      const now = coarseNow();
      if (writer.itemDone(now)) await attendTo(writer, now);
      // Items that never wait on I/O (sync or CPU-bound steps, in-memory enumerators, resolved
      // promises) would otherwise hold the event loop: no lock renewal (the job would stall and
      // run twice), no checkpoint landing, no shutdown or control request seen. After
      // YIELD_AFTER_MS without a turn the loop lets timers and I/O run, even after a single item;
      // progress, due at most once a second, is published from here.
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
