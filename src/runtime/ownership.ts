/**
 * Who owns a run's job, and who ends the run: the one source of truth for both.
 *
 * - The job is ours until a checkpoint write is refused or BullMQ fails to renew our lock; from
 *   then on another worker may own it, and this run touches nothing: no write, no callback, no
 *   move, no event but `iteration.lockLost`.
 * - A run ends exactly once. The lifecycle ends it when the loop stops (complete, requeue, park,
 *   cancel, fail); the shutdown deadline ends it when the loop is stuck inside an item. Whichever
 *   claims the end first does it all, sequentially; the other does nothing. So a slow `onShutdown`
 *   or `onComplete` at the deadline is waited for instead of raced, and no interruption is counted
 *   or requeued twice.
 */
export type RunEnder = 'lifecycle' | 'deadline';

export class RunOwnership {
  #lost = false;
  #ender: RunEnder | undefined;
  #resolveDeadline: ((ending: Promise<never>) => void) | undefined;
  /** The ending the shutdown deadline does, once it claimed the end (see `endAtDeadline`). */
  readonly deadlineEnding = new Promise<never>((resolve) => {
    this.#resolveDeadline = resolve as (ending: Promise<never>) => void;
  });

  /** False once the job's lock may belong to another worker. */
  get owned(): boolean {
    return !this.#lost;
  }

  /** Who claimed the end of the run, if anyone did. */
  get ender(): RunEnder | undefined {
    return this.#ender;
  }

  /** Our lock is gone (a refused write, a failed renewal of our token). Never undone. */
  lose(): void {
    this.#lost = true;
  }

  /** Claims the end of the run for `by`; true when `by` holds it (now or already). */
  claim(by: RunEnder): boolean {
    this.#ender ??= by;
    return this.#ender === by;
  }

  /**
   * The shutdown deadline ends the run, with `ending` (started only when it gets the claim): a
   * lifecycle that already claimed the end is waited for, not raced. False when it had the claim.
   */
  endAtDeadline(ending: () => Promise<never>): boolean {
    if (this.#ender !== undefined) return false;
    this.#ender = 'deadline';
    this.#resolveDeadline?.(ending());
    return true;
  }
}
