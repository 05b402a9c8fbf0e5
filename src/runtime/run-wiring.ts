/**
 * The services a run is wired to, made once in its constructor: the checkpoint writer to the
 * queue's store (at the pace its effect scope allows), the progress reporter, and the watch for
 * operators' requests. Each reports back to the run through the callbacks given here only.
 */
import type { Job } from 'bullmq';
import type { Logger } from 'pino';

import type { JobRef } from '../backends/store.js';
import type { ThrottleDecision } from '../throttle/evaluate.js';
import { admitted } from './admission.js';
import type { CheckpointPace } from './checkpoint-pace.js';
import { fixedPace, storePace } from './checkpoint-pace.js';
import { CheckpointWriter } from './checkpoint-writer.js';
import type { RunRequest } from './control-request.js';
import { ControlWatch } from './control-watch.js';
import type { EffectScope } from './effect-scope.js';
import { SCOPED_CHECKPOINT_INTERVAL_MS } from './effect-scope.js';
import { heldBack } from './hold-watch.js';
import type { RunHost } from './host.js';
import type { StopReason } from './interruption.js';
import type { RunLedger } from './ledger.js';
import { ProgressReporter } from './progress.js';
import type { RateGate } from './run-rate.js';
import { describeError } from './transient.js';

/** What the wiring reads of the run, and how it reports back. */
export interface WiredRun {
  readonly host: RunHost;
  readonly job: Job;
  readonly jobRef: JobRef;
  readonly token: string;
  readonly logger: Logger;
  readonly ledger: RunLedger;
  readonly scope: EffectScope | undefined;
  /** The run's rate gate: it follows the live settings, and progress shows its limit. */
  readonly rate: RateGate;
  loseLock(detail: string): void;
  obey(request: RunRequest): void;
  interrupt(reason: StopReason, detail?: string): void;
}

/** What the wiring reads of the run beside its fields. */
export interface WiringOptions {
  /** `checkpointIntervalMs` of the job, else of the worker; undefined: the store's pace. */
  readonly checkpointIntervalMs: number | undefined;
  /** Partitions of the parallel run the run belongs to (1 outside parallel runs). */
  readonly partitions: number;
  /** The throttle decision that ended the run, if one did (for progress). */
  readonly decision: () => ThrottleDecision | undefined;
}

export interface RunWiring {
  readonly writer: CheckpointWriter;
  readonly progress: ProgressReporter;
  readonly control: ControlWatch;
}

export function wireRun(run: WiredRun, wiring: WiringOptions): RunWiring {
  const { host, job, jobRef, token, logger, ledger } = run;
  const { options } = host;
  const writer = new CheckpointWriter({
    save: (json) => host.store.save(jobRef, token, json),
    snapshot: () => ledger.snapshot(),
    onLost: () => run.loseLock('a checkpoint write found the lock taken'),
    onRetry: (error, attempt, delayMs) =>
      logger.warn(
        { err: error, attempt, delayMs },
        `checkpoint write failed (${describeError(error)}); retrying with the newest state`,
      ),
    pace: paceOf(run, wiring),
    retryWindowMs: options.transientRetryMs,
    maxLagItems: options.maxCheckpointLagItems,
    maxLagMs: options.maxCheckpointLagMs,
  });
  const progress = new ProgressReporter({
    publish: (figures) => host.publishProgress(job, figures),
    intervalMs: options.progressIntervalMs,
    figures: () => ledger.figures(wiring.decision(), run.rate.limit),
    onError: (error) => logger.warn({ err: error }, 'could not publish progress'),
  });
  const control = new ControlWatch({
    store: host.store,
    ref: jobRef,
    settingsRef: run.rate.bucket,
    onRequest: (request) => run.obey(request),
    onSettings: (settings) => run.rate.follow(settings),
    onPoll: async () => (await heldBack(run, false)) || admitted(run),
    onError: (error) => logger.warn({ err: error }, 'could not read control requests'),
  });
  return { writer, progress, control };
}

/**
 * The pace of the run's queue-side checkpoints: the one set for the job or the worker, else the
 * store's (see checkpoint-pace.ts). With an effect scope the cursor is committed with every item in
 * the scope's store, which a resume reads; the queue-side copy only feeds progress and status, so
 * it is written at most every SCOPED_CHECKPOINT_INTERVAL_MS.
 */
function paceOf(run: WiredRun, wiring: WiringOptions): CheckpointPace {
  const set = wiring.checkpointIntervalMs;
  if (run.scope !== undefined) return fixedPace(Math.max(set ?? 0, SCOPED_CHECKPOINT_INTERVAL_MS));
  if (set !== undefined) return fixedPace(set);
  return storePace(run.host.store, wiring.partitions, run.host.options.maxCheckpointLagMs);
}
