/**
 * One run of an iteration job, from loading its state to one of its endings (see endings.ts).
 *
 *   load state ─► onStart (first run) / onResume ─► throttle check ─► buildEnumerator ─► loop
 *       loop ends ─┬─ exhausted / stop() ─► complete
 *                  ├─ interrupted, paused, cancelled ─► stopped
 *                  ├─ throttled ─► throttled
 *                  ├─ transient error ─► retry in place: rebuild the enumerator at the last
 *                  │                     finished item, for up to `transientRetryMs` ─► recover
 *                  ├─ lock lost ─► hand off: touch nothing
 *                  └─ error ─► fail (BullMQ retries or fails)
 *
 * Pause and cancel are operators' requests made from any process (see src/control/); the run
 * reads them at its start and every `controlPollIntervalMs` while it iterates. Who owns the job
 * and who ends the run is kept in one place, the run's {@link RunOwnership}.
 *
 * This file owns the run's state and its lifecycle; its parts live beside it: the start
 * (run-start.ts), one pass over the items (run-enumerator.ts), the retry in place
 * (retry-in-place.ts), skip records (item-guard.ts) and the max runtime and abort signal
 * (interruption-sources.ts).
 */
import type { Job } from 'bullmq';
import type { Logger } from 'pino';

import type { JobRef } from '../backends/store.js';
import type { ControlRequest, RunRequest } from '../control/request.js';
import type { IterationContext, IterationJobDefinition } from '../define-job.js';
import type { IterationEventName } from '../events.js';
import type { JsonValue } from '../json.js';
import type { Transactional } from '../transactional/adapter.js';
import { idempotencyKey } from '../transactional/idempotency.js';
import { queueCheckpointIntervalMs, TransactionalStep } from '../transactional/step.js';
import { CheckpointWriter } from './checkpoint-writer.js';
import { createContext } from './context.js';
import { ControlWatch } from './control-watch.js';
import type { RunEnd } from './endings.js';
import { complete, fail, recover, stopped, takeOver, throttled } from './endings.js';
import type { RunHost } from './host.js';
import type { StopReason } from './interruption.js';
import { interruptReason, isInterruptError, IterationInterrupt } from './interruption.js';
import { forwardAbort } from './interruption-sources.js';
import type { SkippedItem } from './item-guard.js';
import { ItemGuard, recordSkip } from './item-guard.js';
import { itemPolicyOf } from './item-policy.js';
import type { IterationSummary } from './ledger.js';
import { RunLedger } from './ledger.js';
import { boundaryCheck } from './limits.js';
import type { LoopEnd } from './loop.js';
import { RunOwnership } from './ownership.js';
import { ProgressReporter, publishedTotal } from './progress.js';
import { isTransientFor, recovered, RetryInPlace, retryInPlace } from './retry-in-place.js';
import { enumerate, type EnumeratingRun } from './run-enumerator.js';
import { beginRun, type StartingRun } from './run-start.js';
import { splitOff } from './split-ending.js';
import type { IterationState } from './state.js';
import type { RunPlan } from './steps.js';
import { runPlan } from './steps.js';
import type { ThrottleGate } from './throttle-gate.js';
import { describeError } from './transient.js';

type Definition = IterationJobDefinition<unknown, unknown, unknown>;

export { PARK_DELAY_MS } from './endings.js';

export class IterationRun implements EnumeratingRun, StartingRun, RunEnd {
  readonly job: Job;
  readonly token: string;
  readonly label: string;
  readonly signal: AbortSignal;
  readonly strict: boolean;
  readonly writer: CheckpointWriter;
  readonly progress: ProgressReporter;
  readonly logger: Logger;
  readonly host: RunHost;
  readonly definition: Definition;
  readonly ledger = new RunLedger();
  readonly ownership = new RunOwnership();
  readonly control: ControlWatch;
  stopRequested = false;
  failedInStep = false;
  /** The operator's request that stopped this run, if one did. */
  request: ControlRequest | undefined;
  /** Created once the params are known; until then the run has nothing to throttle. */
  gate: ThrottleGate | undefined;
  loaded = false;

  /** @internal */
  readonly jobRef: JobRef;
  readonly #controller = new AbortController();
  /** @internal Called once each when the run ends (timers, signal listeners). */
  readonly cleanups: (() => void)[] = [];
  /** The host's per-item hook, read once: absent on the worker, so an item pays one field test. */
  readonly #afterItem: (() => void) | undefined;
  /** The job's params, once parsed at the run's start; read by the context. */
  params: unknown;
  /** @internal True once onStart/onResume was called: only then does onShutdown close the run. */
  began = false;
  /** @internal True while a callback of the job runs: its errors are the job's, not the runtime's. */
  inCallback = false;
  /** @internal True while an outage or a retry in place is open; the next finished item closes it. */
  recovering = false;
  /** @internal */
  readonly retry: RetryInPlace;
  readonly atBoundary: (() => void | Promise<void>) | undefined;
  /**
   * Runs one item: `eachIteration` itself, or through the item guard when the job has
   * `itemErrors`. Chosen once, so a job without them pays nothing per item for the option.
   */
  readonly step: (item: unknown, cursor: JsonValue) => unknown;
  /** `eachIteration` of the job, or of its current step in a job made of `steps`. */
  readonly eachIteration: (item: unknown) => unknown;
  /** @internal */
  readonly plan: RunPlan;
  /** `ctx.tx` while a transactional item runs; the cursor after the item in hand. */
  tx: unknown;
  itemCursor: JsonValue | undefined;
  /** @internal */
  readonly transactional: TransactionalStep | undefined;
  readonly #maxRecorded: number;
  /** Rows per item of a batch enumerator (see `WeighedEnumerator`); set with each enumerator. */
  weigh: ((item: unknown) => number) | undefined;
  /** Set by the guard when the item in hand was skipped; `advance` records it. */
  skippedItem: SkippedItem | undefined;
  #resolveDeadline: ((outcome: Promise<never>) => void) | undefined;
  readonly #deadlineEnding = new Promise<never>((resolve) => {
    this.#resolveDeadline = resolve as (outcome: Promise<never>) => void;
  });

  constructor(
    host: RunHost,
    definition: Definition,
    job: Job,
    token: string,
    signal?: AbortSignal,
  ) {
    this.host = host;
    this.definition = definition;
    this.job = job;
    this.token = token;
    this.jobRef = { queueName: job.queueName, id: String(job.id) };
    this.#afterItem = host.afterItem;
    this.label = `iteration job "${definition.name}" (id ${job.id ?? '?'})`;
    this.signal = this.#controller.signal;
    const { options } = host;
    this.strict = (definition.checkpointMode ?? options.checkpointMode) === 'strict';
    this.retry = new RetryInPlace(options.transientRetryMs);
    // The host logger is already bound to the queue (the worker binds it once).
    this.logger = host.logger.child({ jobName: job.name, jobId: job.id });
    this.writer = new CheckpointWriter({
      save: (json) => host.store.save(this.jobRef, token, json),
      snapshot: () => this.ledger.snapshot(),
      onLost: () => this.loseLock('a checkpoint write found the lock taken'),
      onRetry: (error, attempt, delayMs) =>
        this.logger.warn(
          { err: error, attempt, delayMs },
          `checkpoint write failed (${describeError(error)}); retrying with the newest state`,
        ),
      minIntervalMs: queueCheckpointIntervalMs(definition, options.checkpointIntervalMs),
      retryWindowMs: options.transientRetryMs,
      maxLagItems: options.maxCheckpointLagItems,
      maxLagMs: options.maxCheckpointLagMs,
    });
    this.ledger.total = publishedTotal(job.progress);
    this.progress = new ProgressReporter({
      publish: (progress) => host.publishProgress(job, progress),
      intervalMs: options.progressIntervalMs,
      figures: () => this.ledger.figures(this.gate?.decision),
      onError: (error) => this.logger.warn({ err: error }, 'could not publish progress'),
    });
    this.control = new ControlWatch({
      store: host.store,
      ref: this.jobRef,
      onRequest: (request) => this.obey(request),
      onError: (error) => this.logger.warn({ err: error }, 'could not read control requests'),
    });
    if (signal !== undefined) forwardAbort(this, signal);
    this.atBoundary = boundaryCheck(definition, this);
    const policy = itemPolicyOf(definition);
    const guard = policy === undefined ? undefined : new ItemGuard(policy, this);
    this.plan = runPlan(definition, this);
    const each = this.plan.each;
    this.eachIteration = each;
    const adapter = definition.transactional as Transactional<unknown> | undefined;
    this.transactional = adapter && new TransactionalStep(adapter, this);
    this.step =
      this.transactional?.step ??
      (guard === undefined
        ? (item, cursor) => ((this.itemCursor = cursor), each(item))
        : (item, cursor) => ((this.itemCursor = cursor), guard.step(item)));
    this.#maxRecorded = policy?.maxRecorded ?? 0;
  }

  /** Winds the run down at the next item boundary (idempotent; the first reason wins). */
  interrupt(reason: StopReason, detail?: string): void {
    if (!this.#controller.signal.aborted) {
      this.#controller.abort(new IterationInterrupt(reason, detail));
    }
  }

  /** Another worker may own the job now: stop at once, touching nothing. */
  loseLock(detail: string): void {
    this.ownership.lose();
    this.interrupt('lock-lost', detail);
  }

  /**
   * Shutdown deadline. Inside an item, the deadline ends the run itself (see `takeOver`). If the
   * run is already ending (a slow onShutdown or onComplete), that ending is waited for, not raced.
   */
  abandon(): void {
    this.interrupt('shutdown', 'shutdown deadline reached');
    if (this.ownership.ender !== undefined) {
      if (this.ownership.ender === 'lifecycle') {
        this.logger.warn('shutdown deadline reached while the run is ending; waiting for it');
      }
      return;
    }
    this.ownership.claim('deadline');
    this.#resolveDeadline?.(takeOver(this));
  }

  /** Runs the job to one of its endings; throws `DelayedError` when requeued or handed off. */
  async execute(): Promise<IterationSummary> {
    try {
      return await Promise.race([this.#lifecycle(), this.#deadlineEnding]);
    } finally {
      for (const cleanup of this.cleanups) cleanup();
      this.control.stop();
      this.progress.stop();
      this.writer.dispose();
    }
  }

  get firstFailureAt(): number | undefined {
    return this.retry.firstFailureAt;
  }

  deferToDeadline(): Promise<never> {
    return this.#deadlineEnding;
  }

  advance(cursor: JsonValue, weight: number): void {
    if (this.skippedItem === undefined) this.ledger.advance(cursor, weight);
    else recordSkip(this, cursor, this.skippedItem, weight, this.#maxRecorded);
    if (this.recovering) recovered(this);
    this.#afterItem?.();
  }

  get throttling(): boolean {
    return this.gate?.active === true;
  }

  checkThrottle(): boolean | Promise<boolean> {
    return this.gate!.check(this.ledger.state);
  }

  async #lifecycle(): Promise<IterationSummary> {
    let end: LoopEnd | 'nil';
    try {
      end = await this.#iterate();
    } catch (error) {
      if (isInterruptError(error, this.signal)) end = 'interrupted';
      else if (isTransientFor(this, error)) return await recover(this, error);
      else return await fail(this, error);
    }
    if (end === 'interrupted') {
      return interruptReason(this.signal) === 'split' ? await splitOff(this) : await stopped(this);
    }
    if (end === 'throttled') return await throttled(this);
    // A stop asked for where the loop cannot see it (a `run` step) ends the enumerator instead.
    return await complete(this, end === 'exhausted' && this.stopRequested ? 'stopped' : end);
  }

  async #iterate(): Promise<LoopEnd | 'nil'> {
    const begun = await beginRun(this);
    if (begun !== undefined) return begun;
    for (;;) {
      this.failedInStep = false;
      try {
        return await enumerate(this);
      } catch (error) {
        const retry = await retryInPlace(this, error);
        if (retry === 'interrupted') return retry;
        if (!retry) throw error;
      }
    }
  }

  async shutdownCallback(): Promise<void> {
    const callback = this.definition.onShutdown;
    if (callback === undefined || !this.began) return;
    try {
      await callback(this.context as never);
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      this.logger.error({ err }, 'onShutdown threw; the run outcome stands');
      this.emit('iteration.callbackFailed', { callback: 'onShutdown', error: err });
    }
  }

  /** @internal A request: an operator's, or the parallel run's split; stop at the next boundary. */
  obey(request: RunRequest): void {
    if (request.action === 'split') {
      this.interrupt('split', 'rebalancing: the run asked this partition to split');
      return;
    }
    this.request ??= request;
    this.interrupt(request.action === 'pause' ? 'paused' : 'cancelled', request.reason);
  }

  emit(event: IterationEventName, extra: object): void {
    const payload = this.ledger.event(this.job, this.definition.name);
    try {
      (this.host.emit as (e: string, p: object) => void)(event, { ...payload, ...extra });
    } catch (error) {
      // A throwing event listener is the listener's bug; it must not change the job's outcome.
      this.logger.error({ err: error, event }, 'an iteration event listener threw');
    }
  }

  readonly context: IterationContext<unknown, unknown> = createContext(this);

  /** Live figures for the context object. */
  get state(): Readonly<IterationState> {
    return this.ledger.state;
  }
  get totalTimeMs(): number {
    return this.ledger.totalTimeMs;
  }
  get idempotencyKey(): string {
    return idempotencyKey(String(this.job.id), this.itemCursor);
  }
}
