/**
 * The lifecycle of a run, from its start to the one ending it reaches (see endings.ts): the start
 * in three phases (run-start.ts), then passes over the items (run-items.ts), a new pass after each
 * transient failure while the retry in place allows it, and the ending chosen by how the last
 * pass stopped or what it threw:
 *
 *   load ─► version (migrate, or give back) ─► ready (params, replay, gate) ─► onStart / onResume
 *     ─► passes over the items ─► ending
 *       pass ends ─┬─ exhausted / stop() ─► complete (or fail: every item skipped)
 *                  ├─ interrupted, paused, cancelled, split ─► stopped (or split off)
 *                  ├─ throttled ─► throttled
 *                  ├─ transient error ─► retry in place: a new pass at the last finished item,
 *                  │                     for up to `transientRetryMs` ─► recover
 *                  ├─ lock lost ─► hand off: touch nothing
 *                  └─ error ─► fail (BullMQ retries or fails)
 */
import { ItemFailuresExceededError } from '../errors.js';
import { isRetryAfter } from '../retry-after.js';
import { admitted } from './admission.js';
import type { RunRequest } from './control-request.js';
import type { RunEnd } from './endings.js';
import { complete, fail, recover, stopped, throttled } from './endings.js';
import { heldBack } from './hold-watch.js';
import { interruptReason, isInterruptError } from './interruption.js';
import { itemPolicyOf, skippedTooMuch } from './item-policy.js';
import type { IterationSummary } from './ledger.js';
import type { LoopEnd } from './loop.js';
import type { RecoveringRun } from './retry-in-place.js';
import { isTransient, retryInPlace } from './retry-in-place.js';
import { RunFailure } from './run-failure.js';
import type { PassRun } from './run-items.js';
import { runPass } from './run-items.js';
import type { Started } from './run-start.js';
import { loadRun, openRun, readyRun } from './run-start.js';
import type { VersioningRun } from './run-version.js';
import { settleVersion, VersionSkew, waitForVersion } from './run-version.js';
import { splitOff } from './split-ending.js';
import { retryLater } from './wait-ending.js';

/** What the lifecycle drives: the run, through its phases, passes and endings. */
export type LifecycleRun = VersioningRun &
  PassRun &
  RunEnd &
  RecoveringRun & {
    loaded(): void;
    started(started: Started): void;
    requestStop(): void;
    obey(request: RunRequest): void;
    interrupt(reason: 'cancelled', detail: string): void;
  };

export async function lifecycle(run: LifecycleRun): Promise<IterationSummary> {
  let end: LoopEnd | 'nil';
  try {
    end = await iterate(run);
  } catch (thrown) {
    const failure = RunFailure.of(thrown);
    if (failure.error instanceof VersionSkew) return await waitForVersion(run, failure.error);
    if (isInterruptError(failure.error, run.signal)) end = 'interrupted';
    else if (isRetryAfter(failure.error)) return await retryLater(run, failure.error);
    else if (isTransient(failure)) return await recover(run, failure.error);
    else return await fail(run, failure.error);
  }
  if (end === 'interrupted') {
    return interruptReason(run.signal) === 'split' ? await splitOff(run) : await stopped(run);
  }
  if (end === 'throttled') return await throttled(run);
  if (end !== 'nil') {
    // A run whose items all failed (or too many of them) must not end as completed.
    const why = skippedTooMuch(itemPolicyOf(run.definition), run.ledger.state);
    if (why !== undefined) return await fail(run, tooMuchSkipped(run, why));
  }
  // A stop asked for where the loop cannot see it (a `run` step) ends the enumerator instead.
  return await complete(run, end === 'exhausted' && run.stopRequested ? 'stopped' : end);
}

async function iterate(run: LifecycleRun): Promise<LoopEnd | 'nil'> {
  const waiting = await loadRun(run);
  run.loaded();
  if (waiting === 'cancelled') {
    run.interrupt('cancelled', 'already cancelled');
    return 'interrupted';
  }
  if (waiting !== undefined && waiting.action !== 'split') {
    run.obey(waiting);
    return 'interrupted';
  }
  // A hold over the run's tags (a data move): park before any code of the job runs.
  if (await heldBack(run, true)) return 'interrupted';
  await settleVersion(run);
  run.started(await readyRun(run));
  await run.control.readSettings();
  // Adaptive concurrency of a parallel run may turn this partition away for now.
  if (!(await admitted(run))) return 'interrupted';
  // A split request waiting since before the start is served now that the params are known.
  if (waiting !== undefined) run.obey(waiting);
  const opened = await openRun(run);
  if (opened === 'stop') run.requestStop();
  else if (opened !== undefined) return opened;
  for (;;) {
    try {
      return await runPass(run, run.retry.attempts === 0);
    } catch (thrown) {
      const retry = await retryInPlace(run, RunFailure.of(thrown));
      if (retry === 'interrupted') return retry;
      if (!retry) throw thrown;
    }
  }
}

function tooMuchSkipped(run: LifecycleRun, why: string): ItemFailuresExceededError {
  const { state } = run.ledger;
  const skipped = state.skipped ?? 0;
  return new ItemFailuresExceededError(
    `${run.label} reached its end, but ${why}; it does not complete as if it had done its work. ` +
      `Fix the cause, then replay the skipped items (retryFailedItems, or \`bullmq-iteration ` +
      `retry-failed ${String(run.job.id)}\`), or raise maxSkippedShare in \`itemErrors\`.`,
    { jobName: run.definition.name, skipped, processed: state.processed },
  );
}
