/**
 * The retry-in-place streak of one run: a transient failure of the enumerator (or one the step
 * marked) is retried inside the run, with backoff, until `transientRetryMs` has passed since the
 * first failure of the streak; the next item that succeeds ends the streak. Past the window the run
 * requeues itself instead (see `recover` in endings.ts), and the outage is counted in its state.
 */
import type { Logger } from 'pino';

import { CheckpointUnavailableError } from './checkpoint-writer.js';
import type { OutageStats } from './outage.js';
import { recordOutageOver } from './outage.js';
import type { RunFailure } from './run-failure.js';
import type { IterationState } from './state.js';
import { describeError, isMarkedTransient, isTransientError } from './transient.js';

/** Backoff between two tries in place: 250 ms doubling, at most 5 s. */
const delayMs = (attempt: number) => Math.min(250 * 2 ** (attempt - 1), 5_000);

export class RetryInPlace {
  /** When the streak's first failure happened; what the window and the outage stats start from. */
  firstFailureAt: number | undefined;
  /** Tries in place over the whole run (a rebuild after one keeps the enumerator's first count). */
  attempts = 0;
  #open = false;
  readonly #windowMs: number;

  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  /**
   * True while a streak of failures (or an outage the run resumed from) is open: the next item
   * that finishes closes it, and with it the outage in the run's state.
   */
  get open(): boolean {
    return this.#open;
  }

  /** The run resumed from an outage: the first item that finishes closes it. */
  reopen(): void {
    this.#open = true;
  }

  /** A failure at `now`: the backoff before the next try, or undefined once the window is spent. */
  next(now: number): number | undefined {
    this.firstFailureAt ??= now;
    if (now - this.firstFailureAt >= this.#windowMs) return undefined;
    this.#open = true;
    return delayMs(++this.attempts);
  }

  /** An item succeeded: the streak is over. */
  close(): void {
    this.#open = false;
    this.firstFailureAt = undefined;
  }

  /** An item finished: an open streak, and the outage in the ledger's state, are over. */
  itemDone(ledger: {
    readonly state: IterationState;
    closeOutage(outage: OutageStats | undefined): void;
  }): void {
    if (!this.#open) return;
    this.close();
    ledger.closeOutage(outageOver(ledger.state));
  }
}

/** Resolves after `ms`, or as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** What the retry in place reads of its run. */
export interface RecoveringRun {
  readonly signal: AbortSignal;
  readonly logger: Logger;
  readonly ownership: { readonly owned: boolean };
  readonly ledger: { readonly state: IterationState };
  readonly retry: RetryInPlace;
}

/**
 * A transient failure of the enumerator (or one the step marked) while the store still works:
 * wait, then rebuild the enumerator at the last finished item, until `transientRetryMs` has
 * passed since the first failure; an item that succeeds closes the streak. True to retry.
 */
export async function retryInPlace(
  run: RecoveringRun,
  failure: RunFailure,
): Promise<boolean | 'interrupted'> {
  const { error } = failure;
  if (run.signal.aborted || !run.ownership.owned) return false;
  // The writer already spent the window retrying: go straight to requeueing.
  if (error instanceof CheckpointUnavailableError || !isTransient(failure)) return false;
  const delayMs = run.retry.next(Date.now());
  if (delayMs === undefined) return false;
  run.logger.warn(
    { err: error, attempt: run.retry.attempts, delayMs, cursor: run.ledger.state.cursor },
    `transient failure (${describeError(error)}); rebuilding the enumerator at the last finished item`,
  );
  await sleep(delayMs, run.signal);
  return run.signal.aborted ? 'interrupted' : true;
}

/** Infrastructure errors are classified; the job's own errors count only when it marked them. */
export function isTransient(failure: RunFailure): boolean {
  return failure.jobCode ? isMarkedTransient(failure.error) : isTransientError(failure.error);
}

/** The outage stats once an item finished after an open streak: the outage is over. */
export function outageOver(state: IterationState): OutageStats | undefined {
  return state.outage === undefined ? undefined : recordOutageOver(state.outage);
}
