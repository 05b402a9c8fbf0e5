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
 * The moves they share, the hand-off and the takeover at the shutdown deadline are in moves.ts. An ending may come before the run started (a pause or
 * cancel waiting for the job, a failure to load): it then sees `start` undefined, runs no
 * onShutdown, and never splits.
 */
import { DelayedError } from 'bullmq';

import { formatDuration } from '../throttle/duration.js';
import { formatThrottleStats } from '../throttle/stats.js';
import { interruptReason } from './interruption.js';
import type { IterationSummary } from './ledger.js';
import type { LoopEnd } from './loop.js';
import type { RunEnd } from './moves.js';
import {
  commitTimeoutMs,
  handOff,
  PARK_DELAY_MS,
  publish,
  requeue,
  shutdownCallback,
} from './moves.js';
import { NO_OUTAGE, outageBackoff, recordOutage } from './outage.js';
import { nameJobIn } from './run-support.js';
import { recordRunThrottled } from './throttle-gate.js';
import { withTimeout } from './timeout.js';
import { describeError, isMarkedTransient, isTransientError } from './transient.js';
import { held, parkUntil, shed } from './wait-ending.js';

export type { RunEnd } from './moves.js';

/** The enumerator is exhausted, `stop()` was called, or there was nothing to enumerate. */
export async function complete(
  run: RunEnd,
  end: Exclude<LoopEnd, 'interrupted' | 'throttled'> | 'nil',
): Promise<IterationSummary> {
  if (!run.ownership.claim('lifecycle')) return run.deferToDeadline();
  const { state } = run.ledger;
  try {
    if (state.phase !== 'completing') {
      run.ledger.markCompleting();
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
  await shutdownCallback(run);
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
  if (reason === 'shed') return shed(run);
  if (reason === 'held') return held(run);
  if (reason === 'cancelled') return cancel(run);
  run.ledger.countInterruption();
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
  const decision = run.start!.gate.decision!;
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
  run.ledger.recordOutage(outage);
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

/** An error the run cannot take back: the attempt fails, BullMQ retries or fails the job. */
export async function fail(run: RunEnd, error: unknown): Promise<never> {
  if (!run.ownership.claim('lifecycle')) return run.deferToDeadline();
  if (!run.ownership.owned) return handOff(run);
  nameJobIn(error, run.definition.name, run.label);
  if (run.isLoaded) {
    try {
      await withTimeout(run.writer.flush(), commitTimeoutMs(run), 'checkpoint flush');
    } catch (flushError) {
      run.logger.error({ err: flushError }, 'could not flush the checkpoint after a failure');
    }
  }
  await shutdownCallback(run);
  await publish(run, 'failed');
  const err = error instanceof Error ? error : new Error(String(error));
  run.logger.error({ err }, 'iteration failed');
  run.emit('iteration.failed', { error: err });
  throw error;
}

/**
 * Paused: the job parks in BullMQ's delayed set, holding no worker slot, until `resumeRun`
 * promotes it. If the pause was withdrawn (or turned into a cancel) while the job was being
 * parked, nobody else would wake it, so the run does.
 */
export async function park(run: RunEnd): Promise<never> {
  const until = run.request?.until;
  if (until !== undefined) return parkUntil(run, until);
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
export async function cancel(run: RunEnd): Promise<IterationSummary> {
  const reason = run.request?.reason;
  const { state } = run.ledger;
  run.ledger.markCancelled(reason);
  try {
    await run.writer.commit();
  } catch (error) {
    if (isTransientError(error)) return recover(run, error);
    run.logger.error({ err: error }, 'could not record the cancellation');
    throw error;
  }
  if (!run.ownership.owned) return handOff(run);
  await shutdownCallback(run);
  await publish(run, 'cancelled');
  run.logger.info({ reason, processed: state.processed }, 'cancelled');
  run.emit('iteration.cancelled', reason === undefined ? {} : { reason });
  return run.ledger.summary('cancelled', true);
}

export { PARK_DELAY_MS } from './moves.js';
