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
import { CheckpointWriter } from './checkpoint-writer.js';
import type { RunRequest } from './control-request.js';
import { ControlWatch } from './control-watch.js';
import type { EffectScope } from './effect-scope.js';
import { queueCheckpointIntervalMs } from './effect-scope.js';
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
  /** The throttle gate, once the run started: the decision that ended the run, for progress. */
  readonly start:
    { readonly gate: { readonly decision: ThrottleDecision | undefined } } | undefined;
  loseLock(detail: string): void;
  obey(request: RunRequest): void;
  interrupt(reason: StopReason, detail?: string): void;
}

export interface RunWiring {
  readonly writer: CheckpointWriter;
  readonly progress: ProgressReporter;
  readonly control: ControlWatch;
}

export function wireRun(run: WiredRun): RunWiring {
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
    minIntervalMs: queueCheckpointIntervalMs(run.scope, options.checkpointIntervalMs),
    retryWindowMs: options.transientRetryMs,
    maxLagItems: options.maxCheckpointLagItems,
    maxLagMs: options.maxCheckpointLagMs,
  });
  const progress = new ProgressReporter({
    publish: (figures) => host.publishProgress(job, figures),
    intervalMs: options.progressIntervalMs,
    figures: () => ledger.figures(run.start?.gate.decision, run.rate.limit),
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
