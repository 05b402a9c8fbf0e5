/**
 * The retry-in-place streak of one run: a transient failure of the enumerator (or one the step
 * marked) is retried inside the run, with backoff, until `transientRetryMs` has passed since the
 * first failure of the streak; the next item that succeeds ends the streak. Past the window the run
 * requeues itself instead (see `recover` in endings.ts), and the outage is counted in its state.
 */

/** Backoff between two tries in place: 250 ms doubling, at most 5 s. */
const delayMs = (attempt: number) => Math.min(250 * 2 ** (attempt - 1), 5_000);

export class RetryInPlace {
  /** When the streak's first failure happened; what the window and the outage stats start from. */
  firstFailureAt: number | undefined;
  /** Tries in place over the whole run (a rebuild after one keeps the enumerator's first count). */
  attempts = 0;
  readonly #windowMs: number;

  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  /** A failure at `now`: the backoff before the next try, or undefined once the window is spent. */
  next(now: number): number | undefined {
    this.firstFailureAt ??= now;
    if (now - this.firstFailureAt >= this.#windowMs) return undefined;
    return delayMs(++this.attempts);
  }

  /** An item succeeded: the streak is over. */
  close(): void {
    this.firstFailureAt = undefined;
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
