/**
 * What interrupts a run from outside its items, besides operators (control-watch.ts) and the
 * shutdown: the max-runtime timer and the abort signal a host hands the run. Each registers its
 * own cleanup with the run, which calls them all when it ends.
 */
import type { StopReason } from './interruption.js';

/** What the sources read and do on their run. */
export interface InterruptibleRun {
  /** Called once each when the run ends, whatever its ending. */
  readonly cleanups: (() => void)[];
  interrupt(reason: StopReason, detail?: string): void;
}

/** Interrupts the run (reason `max-runtime`) after `ms`, if set. */
export function startMaxRuntime(run: InterruptibleRun, ms: number | undefined): void {
  if (ms === undefined) return;
  const timer = setTimeout(() => run.interrupt('max-runtime'), ms);
  // The timer must not keep a process alive whose run has nothing else left to do.
  timer.unref();
  run.cleanups.push(() => clearTimeout(timer));
}

/** Interrupts the run (reason `aborted`) when `signal` aborts, or at once if it already has. */
export function forwardAbort(run: InterruptibleRun, signal: AbortSignal): void {
  const onAbort = () => run.interrupt('aborted', `aborted: ${String(signal.reason)}`);
  if (signal.aborted) onAbort();
  signal.addEventListener('abort', onAbort, { once: true });
  run.cleanups.push(() => signal.removeEventListener('abort', onAbort));
}
