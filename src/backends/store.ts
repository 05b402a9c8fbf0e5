/**
 * Where the iteration state of a job lives, and the one rule it must keep: a write only lands while
 * the writer still holds the job's BullMQ lock. BullMQ's own `updateData`/`updateProgress` never
 * check the lock, so a worker that stalled and lost its job to another worker could move the cursor
 * backwards with them; every checkpoint goes through a store instead.
 *
 * The store also keeps operators' control requests (pause, cancel) apart from the state, so a
 * request never races a checkpoint write.
 */
/** Identifies a job in its queue. */
export interface JobRef {
  readonly queueName: string;
  readonly id: string;
}

export interface CheckpointStore {
  /** The stored iteration state of a job as JSON text, or `undefined` when it has none yet. */
  load(job: JobRef): Promise<string | undefined>;
  /**
   * Stores `json` as the job's iteration state if, and only if, `token` is still the job's lock
   * token and the job is active. Resolves `false` when the lock is held by someone else or gone
   * (the caller has lost the job); rejects only on transport errors.
   */
  save(job: JobRef, token: string, json: string): Promise<boolean>;
  /** The pending control request (pause, cancel) of a job as JSON text, if any. */
  loadControl(job: JobRef): Promise<string | undefined>;
  /**
   * Sets (`json`) or clears (`null`) a job's control request. Not fenced: operators ask from any
   * process; only the worker that holds the lock acts on it. Does nothing for a job that is gone.
   */
  setControl(job: JobRef, json: string | null): Promise<void>;
  /**
   * Which of the job's recorded (skipped) items replays have taken, as JSON text (see
   * `retryFailedItems`); `undefined` when none has.
   */
  loadClaims(job: JobRef): Promise<string | undefined>;
  /**
   * Sets the job's claims to `next` if they still are `expected` (`undefined`: none yet), in one
   * atomic step, so two replays racing for a record cannot both take it. Resolves `false` when
   * they changed meanwhile (read them again) or the job is gone. Not fenced by the job's lock: a
   * replay claims the records of a job it does not run.
   */
  swapClaims(job: JobRef, expected: string | undefined, next: string): Promise<boolean>;
  /** A run's live settings (a rate set by `setRunRate`) as JSON text, if any. */
  loadSettings(job: JobRef): Promise<string | undefined>;
  /**
   * Sets a run's live settings to `next` if they still are `expected` (`undefined`: none yet), in
   * one atomic step: the rate an operator sets and the concurrency a partition adapts share them,
   * and neither may undo the other. False when they changed meanwhile, or the job is gone. Not
   * fenced by the job's lock.
   */
  swapSettings(job: JobRef, expected: string | undefined, next: string): Promise<boolean>;
  /**
   * Takes up to `wanted` tokens from the run's rate bucket, which refills at `perSecond` tokens a
   * second and holds at most `burst`, in one atomic step on the server's clock, so every worker of
   * the run shares one budget. Resolves to the tokens granted and, when none, the milliseconds
   * until one is there. A job that is gone grants everything (there is nothing left to limit).
   */
  takeTokens(job: JobRef, wanted: number, perSecond: number, burst: number): Promise<Granted>;
  /**
   * Takes (or keeps) one of the `target` slots of run `job` for `holder`, until `ttlMs` from now
   * unless taken again before: holders are ranked by when they first took their slot, and one
   * ranked at or past `target` loses it. Expired slots are freed first. Atomic, on the server's
   * clock. Resolves to whether `holder` holds a slot now, and how many holders there are.
   */
  takeSlot(job: JobRef, holder: string, target: number, ttlMs: number): Promise<Slot>;
  /** Gives `holder`'s slot of run `job` back, if it has one. */
  releaseSlot(job: JobRef, holder: string): Promise<void>;
}

/** What a take of a slot gave. */
export interface Slot {
  readonly held: boolean;
  readonly holders: number;
}

/** What a take from a rate bucket gave. */
export interface Granted {
  readonly granted: number;
  readonly waitMs: number;
}
