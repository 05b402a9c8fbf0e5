/**
 * Persists the newest iteration state without making the loop wait for it. The loop reports each
 * finished item with `itemDone(now)` (an increment and two comparisons), true only when the writer
 * needs its attention (`attend(now)`): to start a write that is due, or to wait for the one in
 * flight. At most one write is in flight; when it lands, the newest state is written next, as soon
 * as the pace allows (checkpoint-pace.ts). `flush()` waits until everything marked so far is
 * durable; strict mode is `commit()` per item.
 *
 * Two bounds keep a slow or failing store from costing more than a window of redone items:
 * - Backpressure: `attend` hands the loop the write in flight to wait for once it has been out
 *   `maxLagMs`, or once more than `maxLagItems` items finished past the newest durable checkpoint,
 *   so a crash or a lost lock redoes at most that window, whatever the store's latency or the pace.
 *   An `auto` pace starts a write early, once half of `maxLagItems` items wait for one, so a fast
 *   loop meets the bound with its write already landed.
 * - A write that fails with a transient error (a dropped connection, a restart) is retried with
 *   the newest state, with backoff, for up to `retryWindowMs`; only then does the writer fail,
 *   with a {@link CheckpointUnavailableError} that the run answers by requeueing itself.
 *
 * A store answering `false` means the lock is gone: the writer stops writing for good and reports it
 * through `onLost`, so a worker that lost its job can never move the cursor again.
 */
import type { CheckpointPace } from './checkpoint-pace.js';
import { fixedPace } from './checkpoint-pace.js';
import { retryDelayMs, unavailable } from './checkpoint-unavailable.js';
import { coarseNow, TICK_MS } from './coarse-clock.js';
import { isTransientError } from './transient.js';

export { CheckpointUnavailableError } from './checkpoint-unavailable.js';

export interface CheckpointWriterOptions {
  /** Writes one state; resolves false when the job's lock is no longer ours. */
  readonly save: (json: string) => Promise<boolean>;
  /** Serialises the current state; called when a write starts, not per item. */
  readonly snapshot: () => string;
  /** Called once, when a save reports the lock lost. */
  readonly onLost: () => void;
  /** Called when a transient failure is about to be retried. */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** When background writes may start. @defaultValue a fixed pace of `minIntervalMs` */
  readonly pace?: CheckpointPace;
  /** A fixed pace: minimum time between the starts of two background writes. @defaultValue 0 */
  readonly minIntervalMs?: number;
  /** How long transient write failures are retried before the writer fails. @defaultValue 15_000 */
  readonly retryWindowMs?: number;
  /** Items finished past the newest durable checkpoint before the loop waits. @defaultValue Infinity */
  readonly maxLagItems?: number;
  /** Age of the write in flight before the loop waits for it. @defaultValue Infinity */
  readonly maxLagMs?: number;
}

export class CheckpointWriter {
  #inFlight: Promise<void> | undefined;
  #dirty = false;
  #lost = false;
  #closed = false;
  #failure: { error: unknown } | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** When the last write started: `performance.now()` for the pace, `coarseNow()` for the loop. */
  #lastStart = -Infinity;
  #lastStartCoarse = -Infinity;
  #writes = 0;
  /** Items marked so far, and how many of them the newest durable checkpoint covers. */
  #marked = 0;
  #durable = 0;
  /** When the write in flight (or the first failed try of the one being retried) started. */
  #busySince = 0;
  /** When the newest durable checkpoint's snapshot was taken (`coarseNow()`; the run's start before any). */
  #durableAt = coarseNow();
  /** `itemDone` asks for attention once `#marked` reaches this, or `coarseNow()` reaches the next. */
  #attentionAt = 1;
  #attentionTime = Infinity;
  /** Wakes a retry that waits out its backoff, when the writer is closed meanwhile. */
  #wakeRetry: (() => void) | undefined;
  readonly #opts: CheckpointWriterOptions;
  readonly #pace: CheckpointPace;
  readonly #retryWindowMs: number;
  readonly #maxLagItems: number;
  readonly #maxLagMs: number;
  /** Items waiting for a write that start one whatever the pace (Infinity: only the pace does). */
  readonly #startItems: number;

  constructor(options: CheckpointWriterOptions) {
    this.#opts = options;
    const pace = (this.#pace = options.pace ?? fixedPace(options.minIntervalMs ?? 0));
    this.#retryWindowMs = options.retryWindowMs ?? 15_000;
    this.#maxLagItems = options.maxLagItems ?? Infinity;
    this.#maxLagMs = options.maxLagMs ?? Infinity;
    const half = Math.max(1, Math.floor(this.#maxLagItems / 2));
    this.#startItems = pace.adaptive ? half : pace.intervalMs() > 0 ? Infinity : 1;
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

  /** Ms from the newest durable snapshot to `now` (`coarseNow()`) while items past it wait; for metrics. */
  lagMs(now: number): number {
    return this.#marked > this.#durable ? Math.max(0, now - this.#durableAt) : 0;
  }

  /**
   * An item finished (`now`: `coarseNow()`). True when the writer needs the loop's attention: call
   * {@link attend} before the next item. The per-item cost of checkpointing is this.
   */
  itemDone(now: number): boolean {
    this.#dirty = true;
    return ++this.#marked >= this.#attentionAt || now >= this.#attentionTime;
  }

  /**
   * Starts a write that is due; returns the write in flight when the loop must wait for it
   * (backpressure: see {@link behind}), else undefined. Throws the error of a failed write.
   */
  attend(now: number): Promise<void> | undefined {
    if (this.#failure !== undefined) throw this.#failure.error;
    if (this.#inFlight === undefined) this.#next();
    this.#aim();
    return this.behind(now) ? this.#inFlight : undefined;
  }

  /** Records that the state changed and starts a write when one is due; never waits. */
  markDirty(): void {
    const now = coarseNow();
    if (this.itemDone(now) && this.#failure === undefined) void this.attend(now);
  }

  /**
   * True when the loop should wait for the store before the next item: a write is out, and it has
   * been out `maxLagMs` or more than `maxLagItems` items are not durable yet. `now` is
   * `coarseNow()`. No write in flight means the store keeps up, or the writer waits for its pace
   * by choice: neither is a reason to wait.
   */
  behind(now: number): boolean {
    return (
      this.#inFlight !== undefined &&
      (now - this.#busySince >= this.#maxLagMs || this.#marked - this.#durable > this.#maxLagItems)
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
    this.#pace.leave();
  }

  /** Refuses every later write: the run has handed the job over and must not touch it again. */
  close(): void {
    this.#closed = true;
    this.#cancelTimer();
    this.#wakeRetry?.();
    this.#aim();
  }

  /** With nothing in flight: starts the next write if one is due, or waits for the pace. */
  #next(): void {
    if (!this.#dirty || this.#lost || this.#closed || this.#failure !== undefined) return;
    const waitMs =
      this.#marked - this.#durable >= this.#startItems
        ? 0
        : this.#lastStart + this.#pace.intervalMs() - performance.now();
    if (waitMs <= 0) return this.#start();
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#inFlight === undefined) this.#next();
      this.#aim();
    }, waitMs);
    // A pending checkpoint must not keep a closing process alive; flush() writes it anyway.
    this.#timer.unref();
  }

  /** Sets when `itemDone` asks for attention next, from where the writer stands. */
  #aim(): void {
    if (this.#failure !== undefined) {
      this.#attentionAt = 0;
    } else if (this.#lost || this.#closed) {
      this.#attentionAt = this.#attentionTime = Infinity;
    } else if (this.#inFlight !== undefined) {
      // Backpressure: the item past the bound, or the write's age.
      this.#attentionAt = this.#durable + this.#maxLagItems + 1;
      this.#attentionTime = this.#busySince + this.#maxLagMs;
    } else if (this.#dirty) {
      // Waiting for the pace (a timer is set): enough items, or the interval on the loop's clock,
      // rounded up a tick so that it has passed on the precise clock too.
      this.#attentionAt = this.#durable + this.#startItems;
      this.#attentionTime = this.#lastStartCoarse + this.#pace.intervalMs() + TICK_MS;
    } else {
      // Everything is durable: the next item decides.
      this.#attentionAt = this.#marked + 1;
      this.#attentionTime = Infinity;
    }
  }

  #start(): void {
    this.#cancelTimer();
    this.#lastStart = performance.now();
    this.#lastStartCoarse = this.#busySince = coarseNow();
    this.#inFlight = this.#write().then(() => {
      this.#inFlight = undefined;
      if (!this.#closed) this.#next();
      this.#aim();
    });
    this.#aim();
  }

  /** One write, retried with the newest state while it fails with transient errors. */
  async #write(): Promise<void> {
    let firstFailureAt: number | undefined;
    for (let attempt = 1; ; attempt++) {
      this.#dirty = false;
      const covers = this.#marked;
      const takenAt = coarseNow();
      const startedAt = performance.now();
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
      this.#pace.observe(performance.now() - startedAt);
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
