/**
 * Sampled item durations. Timing every item would cost the hot loop two clock reads and a call per
 * item; instead, every `intervalMs` a timer swaps the run's step for a wrapper that times the next
 * item and puts the plain step back. Between samples the loop runs exactly as without telemetry.
 * The timer only fires when the loop yields, which it does at least every 20 ms (see loop.ts).
 */
import type { JsonValue } from '../json.js';
import { isThenable } from '../runtime/loop.js';
import type { ObservedRun } from './observed-run.js';

/** Starts sampling `run`; `record` gets item durations in milliseconds. Returns the stop function. */
export function sampleItems(
  run: ObservedRun,
  intervalMs: number,
  record: (ms: number) => void,
): () => void {
  const plain = run.step;
  let armed = false;
  const timed = (item: unknown, cursor: JsonValue, weight: number): unknown => {
    run.step = plain;
    armed = false;
    const startedAt = performance.now();
    const result = plain(item, cursor, weight);
    if (isThenable(result)) {
      // The loop awaits `result` itself and sees its error; this branch only measures.
      result.then(
        () => record(performance.now() - startedAt),
        () => undefined,
      );
    } else {
      record(performance.now() - startedAt);
    }
    return result;
  };
  const timer = setInterval(() => {
    if (armed) return;
    armed = true;
    run.step = timed;
  }, intervalMs);
  // A sampling timer must never keep a closing process alive.
  timer.unref();
  return () => {
    clearInterval(timer);
    if (armed) run.step = plain;
  };
}
