/**
 * Why a run winds down before its enumerator is exhausted, and the AbortSignal that tells the code
 * of the job. Every source of interruption (worker shutdown, `maxRuntimeMs`, BullMQ's per-job
 * cancel, a lost lock) aborts one controller per run with an `IterationInterrupt` as its reason;
 * the loop checks `signal.aborted` at each item boundary, and `eachIteration` can pass `ctx.signal`
 * on to slow calls to give up early.
 */

/**
 * - `shutdown`: the worker is closing (deploy, SIGTERM, `worker.close()`); the job is requeued.
 * - `max-runtime`: the run used up `maxRuntimeMs`; the job is requeued so others get a turn.
 * - `aborted`: BullMQ's `worker.cancelJob(id)` aborted the run; the job is requeued.
 * - `max-items`: the run finished `maxItemsPerRun` items; the job is requeued so others get a turn.
 * - `condition`: the job's `interruptWhen` returned true after an item; the job is requeued.
 * - `step`: the next step of a multi-step job is `isolated`; the job is requeued so it starts in
 *   a fresh run.
 * - `lock-lost`: another worker owns the job now; this run stops without touching it.
 * - `split`: a partition of a parallel run gives the tail of its items to a new partition
 *   (rebalancing); it is requeued on its shrunk bounds, no attempt counted.
 * - `shed`: adaptive concurrency turned this partition away while its run's health is degraded;
 *   it parks and asks again shortly, no attempt counted.
 * - `held`: a hold covers the run's tags (a data move under way); it parks until the hold is
 *   released, no attempt counted.
 */
export type InterruptReason =
  | 'shutdown'
  | 'max-runtime'
  | 'max-items'
  | 'condition'
  | 'step'
  | 'aborted'
  | 'lock-lost'
  | 'split'
  | 'shed'
  | 'held';

/**
 * Every reason a run stops at an item boundary: the interruptions above, plus an operator's
 * request from any process, `paused` (the job parks until resumed) or `cancelled` (it ends).
 */
export type StopReason = InterruptReason | 'paused' | 'cancelled';

/** The `reason` of `ctx.signal` when a run is interrupted. */
export class IterationInterrupt extends Error {
  override readonly name = 'IterationInterrupt';
  readonly reason: StopReason;

  constructor(reason: StopReason, detail?: string) {
    super(detail ?? `iteration interrupted: ${reason}`);
    this.reason = reason;
  }
}

/** Reason of an aborted run signal, or undefined when it is not aborted. */
export function interruptReason(signal: AbortSignal): StopReason | undefined {
  if (!signal.aborted) return undefined;
  const reason: unknown = signal.reason;
  return reason instanceof IterationInterrupt ? reason.reason : 'aborted';
}

/**
 * An error thrown by `eachIteration` because the run was interrupted (it passed `ctx.signal` to a
 * call that gave up) is an interruption, not a failure: the item is simply redone by the next run.
 */
export function isInterruptError(error: unknown, signal: AbortSignal): boolean {
  if (!signal.aborted) return false;
  if (error === signal.reason) return true;
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'AbortError' || name === 'IterationInterrupt';
}
