/**
 * Persists the newest iteration state without making the loop wait for it.
 *
 * The loop calls `markDirty()` after every item; that is a couple of assignments unless no write is
 * in flight, in which case it takes a snapshot and starts one. While a write is in flight, further
 * items only set the dirty flag, and when the write lands the newest state is written next: at most
 * one write in flight, the newest cursor wins, and a hot loop never waits on a round trip. `flush()`
 * waits until everything marked so far is durable; strict mode is `markDirty()` + `flush()` per item.
 *
 * A store answering `false` means the lock is gone: the writer stops writing for good and reports it
 * through `onLost`, so a worker that lost its job can never move the cursor again.
 */
export interface CheckpointWriterOptions {
  /** Writes one state; resolves false when the job's lock is no longer ours. */
  readonly save: (json: string) => Promise<boolean>;
  /** Serialises the current state; called when a write starts, not per item. */
  readonly snapshot: () => string;
  /** Called once, when a save reports the lock lost. */
  readonly onLost: () => void;
  /** Minimum time between the starts of two background writes. @defaultValue 0 */
  readonly minIntervalMs?: number;
}

export class CheckpointWriter {
  #inFlight: Promise<void> | undefined;
  #dirty = false;
  #lost = false;
  #closed = false;
  #failure: { error: unknown } | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastStart = 0;
  #writes = 0;
  readonly #opts: CheckpointWriterOptions;
  readonly #minIntervalMs: number;

  constructor(options: CheckpointWriterOptions) {
    this.#opts = options;
    this.#minIntervalMs = options.minIntervalMs ?? 0;
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

  /** Records that the state changed; starts a background write when none is in flight. */
  markDirty(): void {
    this.#dirty = true;
    if (this.#inFlight === undefined && this.#timer === undefined && !this.#closed)
      this.#schedule();
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
    this.#dirty = false;
    this.#lastStart = this.#minIntervalMs > 0 ? Date.now() : 0;
    const json = this.#opts.snapshot();
    this.#inFlight = this.#opts.save(json).then(
      (saved) => {
        this.#inFlight = undefined;
        if (!saved) {
          this.#lost = true;
          this.#opts.onLost();
          return;
        }
        this.#writes++;
        if (this.#dirty && !this.#closed) this.#schedule();
      },
      (error: unknown) => {
        this.#inFlight = undefined;
        this.#failure = { error };
      },
    );
  }

  #cancelTimer(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }
}
