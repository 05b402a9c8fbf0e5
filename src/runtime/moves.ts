/**
 * How a run gives its job back to BullMQ: the moves every ending shares (flush the checkpoint,
 * close the run with onShutdown, publish progress, move the job), the hand-off of a job that is
 * not ours any more, and the takeover at the shutdown deadline.
 *
 * The checkpoint is always flushed before the job moves, and nothing after the move can throw
 * anything but `DelayedError`, so a failing callback can never enqueue the job twice. A move that
 * cannot be made (the queue's server is down) also ends in `DelayedError`: the job's lock then
 * lapses and BullMQ's stalled check gives the job to the next worker, which resumes it.
 */
import type { Job } from 'bullmq';
import { DelayedError } from 'bullmq';
import type { Logger } from 'pino';

import type { IterationContext, IterationJobDefinition } from '../define-job.js';
import type { IterationEventName } from '../events.js';
import type { CheckpointWriter } from './checkpoint-writer.js';
import type { ControlRequest } from './control-request.js';
import type { ControlWatch } from './control-watch.js';
import type { RunHost } from './host.js';
import type { RunLedger } from './ledger.js';
import type { RunOwnership } from './ownership.js';
import type { ProgressReporter } from './progress.js';
import type { IterationStatus, ProgressNote } from './progress.js';
import type { Started } from './run-start.js';
import { withTimeout } from './timeout.js';
import { describeError } from './transient.js';

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
  /** The params and gate once the run started; undefined for an ending that came before. */
  readonly start: Started | undefined;
  readonly label: string;
  /** True once the stored state was read: a run that could not read it never writes it. */
  readonly isLoaded: boolean;
  /** When this run first met the transient failure it ends on. */
  readonly firstFailureAt: number | undefined;
  emit(event: IterationEventName, extra: object): void;
  /** True once onStart/onResume may have run: only then does onShutdown close the run. */
  readonly began: boolean;
  /** The shutdown deadline's ending, for a lifecycle that lost the claim to it. */
  deferToDeadline(): Promise<never>;
}

/**
 * How long a paused job stays parked in BullMQ's delayed set. A resume promotes it at once; this is
 * only how often a forgotten paused job wakes up, finds the pause still set and parks again. Kept
 * at a year because BullMQ's Redis backend packs delayed timestamps into a double-precision score.
 */
export const PARK_DELAY_MS = 365 * 24 * 60 * 60 * 1000;

/** Bound on a job move and on a progress publication while a run ends. */
const MOVE_TIMEOUT_MS = 10_000;

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
  run.ledger.countInterruption();
  try {
    if (run.isLoaded) await withTimeout(run.writer.commit(), MOVE_TIMEOUT_MS, 'final checkpoint');
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
  note?: ProgressNote,
): Promise<void> {
  await closeRun(run);
  await publish(run, status, note);
  await moveBack(run, delayMs);
}

/** Flushes the checkpoint and closes the run with onShutdown; hands off a job no longer ours. */
export async function closeRun(run: RunEnd): Promise<void> {
  if (run.isLoaded) {
    try {
      await withTimeout(run.writer.commit(), commitTimeoutMs(run), 'checkpoint flush');
    } catch (error) {
      // The previous checkpoint still stands; requeueing now loses nothing but redone items.
      run.logger.error({ err: error }, 'could not flush the checkpoint before requeueing');
    }
  }
  if (!run.ownership.owned) handOff(run);
  await shutdownCallback(run);
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

export async function publish(
  run: RunEnd,
  status: IterationStatus,
  note?: ProgressNote,
): Promise<void> {
  if (!run.ownership.owned) return;
  try {
    await withTimeout(run.progress.publish(status, note), MOVE_TIMEOUT_MS, 'progress');
  } catch (error) {
    run.logger.warn({ err: error }, 'could not publish progress');
  }
}

/** A final flush may retry a failing store for the whole retry window, and no longer. */
export function commitTimeoutMs(run: RunEnd): number {
  return run.host.options.transientRetryMs + MOVE_TIMEOUT_MS;
}

/** Runs `onShutdown` if the run began; its errors are logged and reported, never thrown. */
export async function shutdownCallback(run: RunEnd): Promise<void> {
  const callback = run.definition.onShutdown;
  if (callback === undefined || !run.began) return;
  try {
    await callback(run.context as never);
  } catch (error) {
    const err = error instanceof Error ? error : new Error(String(error));
    run.logger.error({ err }, 'onShutdown threw; the run outcome stands');
    run.emit('iteration.callbackFailed', { callback: 'onShutdown', error: err });
  }
}
