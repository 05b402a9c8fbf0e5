/**
 * Persists the newest iteration state without making the loop wait for it.
 *
 * The loop calls `markDirty()` after every item; that is a couple of assignments unless no write is
 * in flight, in which case it takes a snapshot and starts one. While a write is in flight, further
 * items only set the dirty flag, and when the write lands the newest state is written next: at most
 * one write in flight, the newest cursor wins, and a hot loop never waits on a round trip. `flush()`
 * waits until everything marked so far is durable; strict mode is `markDirty()` + `flush()` per item.
 *
 * Two bounds keep a slow or failing store from costing more than a window of redone items:
 * - `behind(now)` tells the loop when the write in flight has been out longer than `maxLagMs`, or
 *   when more than `maxLagItems` items finished since the newest durable checkpoint; the loop then
 *   waits for the store (backpressure), so a crash or a lost lock redoes at most that window.
 * - A write that fails with a transient error (a dropped connection, a restart) is retried with
 *   the newest state, with backoff, for up to `retryWindowMs`; only then does the writer fail,
 *   with a {@link CheckpointUnavailableError} that the run answers by requeueing itself.
 *
 * A store answering `false` means the lock is gone: the writer stops writing for good and reports it
 * through `onLost`, so a worker that lost its job can never move the cursor again.
 */
import { TransientError } from '../errors.js';
import { coarseNow } from './coarse-clock.js';
import { describeError, isTransientError } from './transient.js';

export interface CheckpointWriterOptions {
  /** Writes one state; resolves false when the job's lock is no longer ours. */
  readonly save: (json: string) => Promise<boolean>;
  /** Serialises the current state; called when a write starts, not per item. */
  readonly snapshot: () => string;
  /** Called once, when a save reports the lock lost. */
  readonly onLost: () => void;
  /** Called when a transient failure is about to be retried. */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Minimum time between the starts of two background writes. @defaultValue 0 */
  readonly minIntervalMs?: number;
  /** How long transient write failures are retried before the writer fails. @defaultValue 15_000 */
  readonly retryWindowMs?: number;
  /** Items finished past the newest durable checkpoint before the loop waits. @defaultValue Infinity */
  readonly maxLagItems?: number;
  /** Age of the write in flight before the loop waits for it. @defaultValue Infinity */
  readonly maxLagMs?: number;
}

/** The store kept failing with transient errors for the whole retry window. */
export class CheckpointUnavailableError extends TransientError {
  override readonly name = 'CheckpointUnavailableError';
}

/** Delay before the n-th retry of a failed write: 100 ms doubling, at most 2 s. */
const retryDelayMs = (attempt: number) => Math.min(100 * 2 ** (attempt - 1), 2_000);

export class CheckpointWriter {
  #inFlight: Promise<void> | undefined;
  #dirty = false;
  #lost = false;
  #closed = false;
  #failure: { error: unknown } | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastStart = 0;
  #writes = 0;
  /** Items marked so far, and how many of them the newest durable checkpoint covers. */
  #marked = 0;
  #durable = 0;
  /** When the write in flight (or the first failed try of the one being retried) started. */
  #busySince = 0;
  /** When the newest durable checkpoint's snapshot was taken (`coarseNow()`; the run's start before any). */
  #durableAt = coarseNow();
  /** Wakes a retry that waits out its backoff, when the writer is closed meanwhile. */
  #wakeRetry: (() => void) | undefined;
  readonly #opts: CheckpointWriterOptions;
  readonly #minIntervalMs: number;
  readonly #retryWindowMs: number;
  readonly #maxLagItems: number;
  readonly #maxLagMs: number;

  constructor(options: CheckpointWriterOptions) {
    this.#opts = options;
    this.#minIntervalMs = options.minIntervalMs ?? 0;
    this.#retryWindowMs = options.retryWindowMs ?? 15_000;
    this.#maxLagItems = options.maxLagItems ?? Infinity;
    this.#maxLagMs = options.maxLagMs ?? Infinity;
  }

  /** True once a write was refused because the lock belongs to someone else. */
  get lost(): boolean {
    return this.#lost;
  }

  /** The error of the last failed write, if any; the loop stops on it. */
  get failure(): { error: unknown } | undefined {
    return this.#failure;
  }

  /** Number of writes that landed. */
  get writes(): number {
    return this.#writes;
  }

  /** Items finished since the newest durable checkpoint. */
  get lagItems(): number {
    return this.#marked - this.#durable;
  }

  /**
   * Milliseconds between the newest finished item (taken as `now`, a `coarseNow()` reading) and the
   * snapshot of the newest durable checkpoint; 0 when every finished item is durable. Read by
   * metrics, never by the loop.
   */
  lagMs(now: number): number {
    return this.#marked > this.#durable ? Math.max(0, now - this.#durableAt) : 0;
  }

  /** Records that the state changed; starts a background write when none is in flight. */
  markDirty(): void {
    this.#dirty = true;
    this.#marked++;
    if (this.#inFlight === undefined && this.#timer === undefined && !this.#closed)
      this.#schedule();
  }

  /**
   * True when the loop should wait for the store before the next item: a write is out, and it has
   * been out longer than `maxLagMs` or more than `maxLagItems` items are not durable yet. `now` is
   * `coarseNow()`. No write in flight means the store is keeping up, or the writer waits for
   * `minIntervalMs` by choice: neither is a reason to wait.
   */
  behind(now: number): boolean {
    return (
      this.#inFlight !== undefined &&
      (now - this.#busySince > this.#maxLagMs || this.#marked - this.#durable > this.#maxLagItems)
    );
  }

  /** Resolves once every state marked so far is durable; rejects with a write's error. */
  async flush(): Promise<void> {
    this.#cancelTimer();
    while (!this.#lost && !this.#closed && this.#failure === undefined) {
      if (this.#inFlight !== undefined) await this.#inFlight;
      else if (this.#dirty) this.#start();
      else break;
    }
    if (this.#failure !== undefined) throw this.#failure.error;
  }

  /** Writes the current state now and waits for it (strict mode). */
  async commit(): Promise<void> {
    this.#dirty = true;
    await this.flush();
  }

  /** Stops background writes; pending state stays dirty. */
  dispose(): void {
    this.#cancelTimer();
  }

  /** Refuses every later write: the run has handed the job over and must not touch it again. */
  close(): void {
    this.#closed = true;
    this.#cancelTimer();
    this.#wakeRetry?.();
  }

  #schedule(): void {
    if (this.#lost || this.#closed || this.#failure !== undefined) return;
    const wait = this.#lastStart + this.#minIntervalMs - Date.now();
    if (this.#minIntervalMs <= 0 || wait <= 0) {
      this.#start();
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#dirty && this.#inFlight === undefined) this.#start();
    }, wait);
    // A pending checkpoint must not keep a closing process alive; flush() writes it anyway.
    this.#timer.unref();
  }

  #start(): void {
    this.#lastStart = this.#minIntervalMs > 0 ? Date.now() : 0;
    this.#busySince = coarseNow();
    this.#inFlight = this.#write().then(() => {
      this.#inFlight = undefined;
      if (this.#dirty && !this.#closed) this.#schedule();
    });
  }

  /** One write, retried with the newest state while it fails with transient errors. */
  async #write(): Promise<void> {
    let firstFailureAt: number | undefined;
    for (let attempt = 1; ; attempt++) {
      this.#dirty = false;
      const covers = this.#marked;
      const takenAt = coarseNow();
      let saved: boolean;
      try {
        // The newest state on every try: a retry after an outage writes where the loop is now.
        saved = await this.#opts.save(this.#opts.snapshot());
      } catch (error) {
        // Not written: whatever this try covered is still to be written.
        this.#dirty = true;
        firstFailureAt ??= Date.now();
        if (!isTransientError(error)) {
          this.#failure = { error };
          return;
        }
        if (Date.now() - firstFailureAt >= this.#retryWindowMs) {
          this.#failure = { error: unavailable(error, this.#retryWindowMs) };
          return;
        }
        const delayMs = retryDelayMs(attempt);
        this.#opts.onRetry?.(error, attempt, delayMs);
        await this.#sleep(delayMs);
        if (this.#closed) return;
        continue;
      }
      if (!saved) {
        this.#lost = true;
        this.#opts.onLost();
        return;
      }
      this.#writes++;
      this.#durable = covers;
      this.#durableAt = takenAt;
      return;
    }
  }

  async #sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wakeRetry = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.#wakeRetry = undefined;
  }

  #cancelTimer(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }
}

function unavailable(cause: unknown, windowMs: number): CheckpointUnavailableError {
  return new CheckpointUnavailableError(
    `checkpoint writes kept failing for ${Math.round(windowMs / 1000)} s: ${describeError(cause)}`,
    { cause },
  );
}
