/**
 * How a run ends, one function per outcome. The run calls exactly one of them (through its
 * ownership claim: see ownership.ts), and each does its steps in order:
 *
 * | outcome      | state written                 | callbacks               | the job            |
 * |--------------|-------------------------------|-------------------------|--------------------|
 * | completed    | phase `completing`            | onComplete, onShutdown  | BullMQ completes   |
 * | interrupted  | cursor, timesInterrupted + 1  | onShutdown              | requeued at tail   |
 * | throttled    | cursor, throttle stats        | onShutdown              | delayed by backoff |
 * | recovering   | cursor, outage stats          | onShutdown              | delayed by backoff |
 * | paused       | cursor                        | onShutdown              | parked             |
 * | split        | cursor, shrunk bounds, split  | onShutdown              | requeued at tail   |
 * | cancelled    | `cancelled`                   | onShutdown              | BullMQ completes   |
 * | failed       | cursor                        | onShutdown              | BullMQ retries/fails |
 * | lock lost    | nothing                       | none                    | another worker's   |
 *
 * The checkpoint is always flushed before the job moves, and nothing after the move can throw
 * anything but `DelayedError`, so a failing callback can never enqueue the job twice. A move that
 * cannot be made (the queue's server is down) also ends in `DelayedError`: the job's lock then
 * lapses and BullMQ's stalled check gives the job to the next worker, which resumes it.
 */
import type { Job } from 'bullmq';
import { DelayedError } from 'bullmq';
import type { Logger } from 'pino';

import type { ControlRequest } from '../control/request.js';
import type { IterationContext, IterationJobDefinition } from '../define-job.js';
import type { IterationEventName } from '../events.js';
import { formatDuration } from '../throttle/duration.js';
import { formatThrottleStats } from '../throttle/stats.js';
import type { CheckpointWriter } from './checkpoint-writer.js';
import type { ControlWatch } from './control-watch.js';
import type { RunHost } from './host.js';
import { interruptReason } from './interruption.js';
import type { IterationSummary, RunLedger } from './ledger.js';
import type { LoopEnd } from './loop.js';
import { NO_OUTAGE, outageBackoff, recordOutage } from './outage.js';
import type { RunOwnership } from './ownership.js';
import type { IterationStatus, ProgressReporter } from './progress.js';
import { nameJobIn } from './run-support.js';
import { recordRunThrottled, type ThrottleGate } from './throttle-gate.js';
import { withTimeout } from './timeout.js';
import { describeError, isMarkedTransient, isTransientError } from './transient.js';

/**
 * How long a paused job stays parked in BullMQ's delayed set. A resume promotes it at once; this is
 * only how often a forgotten paused job wakes up, finds the pause still set and parks again. Kept
 * at a year because BullMQ's Redis backend packs delayed timestamps into a double-precision score.
 */
export const PARK_DELAY_MS = 365 * 24 * 60 * 60 * 1000;

/** Bound on a job move and on a progress publication while a run ends. */
const MOVE_TIMEOUT_MS = 10_000;

/** What the endings read and do on their run. */
export interface RunEnd {
  readonly job: Job;
  readonly token: string;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  readonly host: RunHost;
  readonly definition: IterationJobDefinition<unknown, unknown, unknown>;
  readonly ledger: RunLedger;
  readonly writer: CheckpointWriter;
  readonly progress: ProgressReporter;
  readonly context: IterationContext<unknown, unknown>;
  readonly ownership: RunOwnership;
  readonly control: ControlWatch;
  /** The operator's request that stopped the run, if one did. */
  readonly request: ControlRequest | undefined;
  readonly gate: ThrottleGate | undefined;
  readonly label: string;
  /** True once the stored state was read: a run that could not read it never writes it. */
  readonly loaded: boolean;
  /** When this run first met the transient failure it ends on. */
  readonly firstFailureAt: number | undefined;
  emit(event: IterationEventName, extra: object): void;
  /** Runs `onShutdown` if the run began; its errors are logged and reported, never thrown. */
  shutdownCallback(): Promise<void>;
  /** The shutdown deadline's ending, for a lifecycle that lost the claim to it. */
  deferToDeadline(): Promise<never>;
}

/** The enumerator is exhausted, `stop()` was called, or there was nothing to enumerate. */
export async function complete(
  run: RunEnd,
  end: Exclude<LoopEnd, 'interrupted' | 'throttled'> | 'nil',
): Promise<IterationSummary> {
  if (!run.ownership.claim('lifecycle')) return run.deferToDeadline();
  const { state } = run.ledger;
  try {
    if (state.phase !== 'completing') {
      state.phase = 'completing';
      await run.writer.commit();
    }
  } catch (error) {
    return isTransientError(error) ? await recover(run, error) : await fail(run, error);
  }
  if (!run.ownership.owned) return handOff(run);
  try {
    if (end === 'nil') run.emit('iteration.nilEnumerator', {});
    else await run.definition.onComplete?.(run.context as never);
  } catch (error) {
    return isMarkedTransient(error) ? await recover(run, error) : await fail(run, error);
  }
  await run.shutdownCallback();
  await publish(run, 'completed');
  run.emit('iteration.completed', {});
  return run.ledger.summary('completed', end === 'stopped');
}

/** The loop (or the start of the run) stopped on its signal: route it by the reason. */
export async function stopped(run: RunEnd): Promise<IterationSummary> {
  if (!run.ownership.claim('lifecycle')) return run.deferToDeadline();
  if (!run.ownership.owned) return handOff(run);
  const reason = interruptReason(run.signal) ?? 'aborted';
  if (reason === 'paused') return park(run);
  if (reason === 'cancelled') return cancel(run);
  run.ledger.state.timesInterrupted++;
  await requeue(run, 'interrupted', run.host.options.requeueDelayMs);
  run.logger.info({ reason, processed: run.ledger.state.processed }, 'interrupted; requeued');
  run.emit('iteration.interrupted', { reason });
  throw new DelayedError(`requeued after interruption (${reason})`);
}

/**
 * A condition held: the job steps aside like an interrupted one, but after the condition's
 * backoff and counted in its own figures, because it says the resource is unhealthy, not that
 * the worker took the job away. A shutdown that arrived meanwhile is served by the same requeue.
 */
export async function throttled(run: RunEnd): Promise<never> {
  if (!run.ownership.claim('lifecycle')) return run.deferToDeadline();
  if (!run.ownership.owned) return handOff(run);
  const decision = run.gate!.decision!;
  const { condition, reason, delayMs, consecutive } = decision;
  const stats = recordRunThrottled(run.ledger.state, decision, Date.now());
  await requeue(run, 'throttled', delayMs);
  run.logger.info(
    { condition, reason, delayMs, consecutive, processed: run.ledger.state.processed },
    `throttled, requeued in ${formatDuration(delayMs)}: ${formatThrottleStats(stats)}`,
  );
  run.emit('iteration.throttled', {
    condition,
    reason,
    delayMs,
    consecutive,
    timesThrottled: stats.timesThrottled,
    throttledMs: stats.throttledMs,
  });
  throw new DelayedError(`throttled by "${condition}" (${reason}); requeued in ${delayMs} ms`);
}

/**
 * A resource stayed unavailable past `transientRetryMs`: requeue from the last durable checkpoint
 * after a growing backoff, counting no attempt, until the outage has lasted `maxOutageMs`; past
 * that the error fails the attempt like any other.
 */
export async function recover(run: RunEnd, error: unknown): Promise<never> {
  if (!run.ownership.claim('lifecycle')) return run.deferToDeadline();
  if (!run.ownership.owned) return handOff(run);
  const now = Date.now();
  const { state } = run.ledger;
  const outage = recordOutage(
    state.outage ?? NO_OUTAGE,
    describeError(error),
    now,
    run.firstFailureAt ?? now,
  );
  const lastedMs = now - (outage.since ?? now);
  if (lastedMs >= run.host.options.maxOutageMs) {
    run.logger.error(
      { err: error, lastedMs },
      `transient failures have lasted ${formatDuration(lastedMs)}, past maxOutageMs; failing the attempt`,
    );
    return fail(run, error);
  }
  state.outage = outage;
  const delayMs = outageBackoff(outage.consecutive);
  await requeue(run, 'recovering', delayMs);
  run.logger.warn(
    { err: error, delayMs, consecutive: outage.consecutive, processed: state.processed },
    `a resource stayed unavailable (${describeError(error)}); requeued from the last checkpoint ` +
      `in ${formatDuration(delayMs)}, no attempt counted`,
  );
  run.emit('iteration.recovering', {
    error: error instanceof Error ? error : new Error(String(error)),
    delayMs,
    consecutive: outage.consecutive,
    transientFailures: outage.timesRequeued,
    transientMs: outage.waitedMs,
  });
  throw new DelayedError(`requeued after a transient failure; due again in ${delayMs} ms`);
}

/**
 * Paused: the job parks in BullMQ's delayed set, holding no worker slot, until `resumeRun`
 * promotes it. If the pause was withdrawn (or turned into a cancel) while the job was being
 * parked, nobody else would wake it, so the run does.
 */
async function park(run: RunEnd): Promise<never> {
  await requeue(run, 'paused', PARK_DELAY_MS);
  const now = await run.control.read().catch(() => undefined);
  if (now?.action !== 'pause') await run.host.wake?.(run.job);
  const reason = run.request?.reason;
  run.logger.info(
    { reason, processed: run.ledger.state.processed },
    'paused; parked until resumed',
  );
  run.emit('iteration.paused', reason === undefined ? {} : { reason });
  throw new DelayedError('paused by an operator; parked until resumed');
}

/**
 * Cancelled: the job ends now, without finishing its enumerator and without onComplete. It is
 * an operator's decision, not an error, so BullMQ completes the job (no retry, no failure
 * alert) with `outcome: 'cancelled'`; the cursor stays stored for inspection.
 */
async function cancel(run: RunEnd): Promise<IterationSummary> {
  const reason = run.request?.reason;
  const { state } = run.ledger;
  state.cancelled ??= { at: Date.now(), ...(reason === undefined ? {} : { reason }) };
  try {
    await run.writer.commit();
  } catch (error) {
    if (isTransientError(error)) return recover(run, error);
    run.logger.error({ err: error }, 'could not record the cancellation');
    throw error;
  }
  if (!run.ownership.owned) return handOff(run);
  await run.shutdownCallback();
  await publish(run, 'cancelled');
  run.logger.info({ reason, processed: state.processed }, 'cancelled');
  run.emit('iteration.cancelled', reason === undefined ? {} : { reason });
  return run.ledger.summary('cancelled', true);
}

/** An error the run cannot take back: the attempt fails, BullMQ retries or fails the job. */
export async function fail(run: RunEnd, error: unknown): Promise<never> {
  if (!run.ownership.claim('lifecycle')) return run.deferToDeadline();
  if (!run.ownership.owned) return handOff(run);
  nameJobIn(error, run.definition.name, run.label);
  if (run.loaded) {
    try {
      await withTimeout(run.writer.flush(), commitTimeoutMs(run), 'checkpoint flush');
    } catch (flushError) {
      run.logger.error({ err: flushError }, 'could not flush the checkpoint after a failure');
    }
  }
  await run.shutdownCallback();
  await publish(run, 'failed');
  const err = error instanceof Error ? error : new Error(String(error));
  run.logger.error({ err }, 'iteration failed');
  run.emit('iteration.failed', { error: err });
  throw error;
}

/** The job is not ours any more: leave it alone. */
export function handOff(run: RunEnd): never {
  run.logger.warn('lost the job lock; another worker owns the job, stopping without writing');
  run.emit('iteration.lockLost', {});
  // DelayedError tells BullMQ the job was moved elsewhere, so it neither completes nor fails it.
  throw new DelayedError('iteration run stopped: the job lock was lost');
}

/**
 * Shutdown deadline, with the loop stuck inside an item: flush the cursor of the last finished
 * item and requeue now. The unfinished item is redone by the next run, and the stuck code can no
 * longer move the cursor: the writer is closed and the requeue released our lock.
 */
export async function takeOver(run: RunEnd): Promise<never> {
  run.logger.warn(
    { processed: run.ledger.state.processed },
    'shutdown deadline reached inside an item; requeueing from the last finished item',
  );
  if (!run.ownership.owned) throw new DelayedError('iteration run stopped: the job lock was lost');
  run.ledger.state.timesInterrupted++;
  try {
    if (run.loaded) await withTimeout(run.writer.commit(), MOVE_TIMEOUT_MS, 'final checkpoint');
  } catch (error) {
    run.logger.error({ err: error }, 'could not flush the checkpoint at the shutdown deadline');
  }
  run.writer.close();
  if (!run.ownership.owned) throw new DelayedError('iteration run stopped: the job lock was lost');
  await moveBack(run, run.host.options.requeueDelayMs);
  run.emit('iteration.interrupted', { reason: 'shutdown' });
  throw new DelayedError('requeued at the shutdown deadline');
}

/**
 * Flushes the checkpoint, closes the run with onShutdown and moves the job back to its queue,
 * due in `delayMs`; hands off instead when the job is no longer ours.
 */
export async function requeue(
  run: RunEnd,
  status: IterationStatus,
  delayMs: number,
): Promise<void> {
  if (run.loaded) {
    try {
      await withTimeout(run.writer.commit(), commitTimeoutMs(run), 'checkpoint flush');
    } catch (error) {
      // The previous checkpoint still stands; requeueing now loses nothing but redone items.
      run.logger.error({ err: error }, 'could not flush the checkpoint before requeueing');
    }
  }
  if (!run.ownership.owned) handOff(run);
  await run.shutdownCallback();
  await publish(run, status);
  await moveBack(run, delayMs);
}

/**
 * The move itself. When it cannot be made (the server is down, or the lock lapsed meanwhile) the
 * job is left active: its lock lapses and BullMQ's stalled check requeues it, which resumes it
 * from the checkpoint like after a crash. Either way this run is over and must say so to BullMQ
 * with `DelayedError`, never with an error that would count an attempt.
 */
async function moveBack(run: RunEnd, delayMs: number): Promise<void> {
  try {
    await withTimeout(run.host.requeue(run.job, run.token, delayMs), MOVE_TIMEOUT_MS, 'requeue');
  } catch (error) {
    run.writer.close();
    run.logger.error(
      { err: error },
      'could not move the job back to its queue; its lock will lapse and the stalled check hands it to the next worker',
    );
    throw new DelayedError(`requeue failed (${describeError(error)}); left to the stalled check`);
  }
}

async function publish(run: RunEnd, status: IterationStatus): Promise<void> {
  if (!run.ownership.owned) return;
  try {
    await withTimeout(run.progress.publish(status), MOVE_TIMEOUT_MS, 'progress');
  } catch (error) {
    run.logger.warn({ err: error }, 'could not publish progress');
  }
}

/** A final flush may retry a failing store for the whole retry window, and no longer. */
function commitTimeoutMs(run: RunEnd): number {
  return run.host.options.transientRetryMs + MOVE_TIMEOUT_MS;
}
