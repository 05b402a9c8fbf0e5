/**
 * One run of an iteration job, from loading its state to one of its endings (see endings.ts). The
 * run is the one owner of its state: its fields are written here, and the persisted state only by
 * its ledger; every layer it is made of reads them and calls its methods.
 *
 *   load ─► ready (params, replay, gate) ─► onStart / onResume ─► passes over the items ─► ending
 *       pass ends ─┬─ exhausted / stop() ─► complete
 *                  ├─ interrupted, paused, cancelled, split ─► stopped (or split off)
 *                  ├─ throttled ─► throttled
 *                  ├─ transient error ─► retry in place: a new pass at the last finished item,
 *                  │                     for up to `transientRetryMs` ─► recover
 *                  ├─ lock lost ─► hand off: touch nothing
 *                  └─ error ─► fail (BullMQ retries or fails)
 *
 * What the run is made of, chosen once in its constructor (see docs/how-it-works.md):
 * - where it comes from: its origin (origin.ts): fresh, a partition, a split, a replay, a restart;
 * - where its items come from: the enumerator or the steps, within the partition's bounds, or a
 *   replay's records (run-items.ts, steps.ts, replay.ts);
 * - what runs one item: the item chain (item-chain.ts): item policy, effect scope, the step;
 * - where the cursor becomes durable: the queue's store (checkpoint-writer.ts), and for an effect
 *   scope its own store first (effect-scope.ts).
 */
import type { Job } from 'bullmq';
import type { Logger } from 'pino';

import type { JobRef } from '../backends/store.js';
import type { ControlRequest, RunRequest } from '../control/request.js';
import type { IterationContext, IterationJobDefinition } from '../define-job.js';
import type { IterationEventName } from '../events.js';
import type { JsonValue } from '../json.js';
import { CheckpointWriter } from './checkpoint-writer.js';
import { createContext } from './context.js';
import { ControlWatch } from './control-watch.js';
import type { EffectScope } from './effect-scope.js';
import { queueCheckpointIntervalMs, scopeOf } from './effect-scope.js';
import type { RunEnd } from './endings.js';
import type { RunHost } from './host.js';
import { idempotencyKey } from './idempotency.js';
import type { StopReason } from './interruption.js';
import { IterationInterrupt } from './interruption.js';
import { forwardAbort, startMaxRuntime } from './interruption-sources.js';
import type { ChainHead, ItemInHand } from './item-chain.js';
import { itemChain } from './item-chain.js';
import type { GuardedRun, ItemStep } from './item-guard.js';
import type { ItemOutcome, Skip } from './item-outcome.js';
import { GroupParts } from './item-outcome.js';
import type { FailedItem } from './item-policy.js';
import { itemPolicyOf } from './item-policy.js';
import type { IterationSummary } from './ledger.js';
import { RunLedger } from './ledger.js';
import { boundaryCheck } from './limits.js';
import { takeOver } from './moves.js';
import type { RunOrigin } from './origin.js';
import { originOf } from './origin.js';
import { RunOwnership } from './ownership.js';
import { ProgressReporter, publishedTotal } from './progress.js';
import { replayedRecord } from './replay.js';
import { outageOver, RetryInPlace } from './retry-in-place.js';
import type { PassRun } from './run-items.js';
import { lifecycle } from './run-lifecycle.js';
import type { Started } from './run-start.js';
import type { IterationState } from './state.js';
import { extrasOf } from './state.js';
import type { RunPlan, StepsRun } from './steps.js';
import { runPlan } from './steps.js';
import { describeError } from './transient.js';

type Definition = IterationJobDefinition<unknown, unknown, unknown>;

export { PARK_DELAY_MS } from './moves.js';

export class IterationRun implements PassRun, RunEnd, GuardedRun, StepsRun {
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
  readonly origin: RunOrigin;
  readonly ledger = new RunLedger();
  readonly ownership = new RunOwnership();
  readonly control: ControlWatch;
  readonly retry: RetryInPlace;
  readonly plan: RunPlan;
  readonly scope: EffectScope | undefined;
  readonly atBoundary: (() => void | Promise<void>) | undefined;
  /** @internal */
  readonly jobRef: JobRef;
  /** @internal Called once each when the run ends (timers, signal listeners). */
  readonly cleanups: (() => void)[] = [];
  /**
   * Runs one item through the item chain. Writable for telemetry only, which swaps it for one
   * timed call now and then (see src/telemetry/item-sampler.ts).
   */
  step: ItemStep;
  readonly context: IterationContext<unknown, unknown>;
  readonly #controller = new AbortController();
  readonly #hand: ItemInHand;
  readonly #maxRecorded: number;
  /** The host's per-item hook, read once: absent on the worker, so an item pays one field test. */
  readonly #afterItem: (() => void) | undefined;
  #started: Started | undefined;
  #loaded = false;
  #began = false;
  #stopRequested = false;
  #request: ControlRequest | undefined;
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
    this.origin = originOf(job.data);
    this.jobRef = { queueName: job.queueName, id: String(job.id) };
    this.#afterItem = host.afterItem;
    this.label = `iteration job "${definition.name}" (id ${job.id ?? '?'})`;
    this.signal = this.#controller.signal;
    const { options } = host;
    this.strict = (definition.checkpointMode ?? options.checkpointMode) === 'strict';
    this.retry = new RetryInPlace(options.transientRetryMs);
    // The host logger is already bound to the queue (the worker binds it once).
    this.logger = host.logger.child({ jobName: job.name, jobId: job.id });
    this.context = createContext(this);
    this.atBoundary = boundaryCheck(definition, this);
    this.plan = runPlan(definition, this, this.origin.partition?.step);
    const policy = itemPolicyOf(definition);
    this.#maxRecorded = policy?.maxRecorded ?? 0;
    const chain = itemChain(this, this.plan.each, (each) => this.#scopeFor(each), policy);
    this.#hand = chain.hand;
    this.scope = chain.scope;
    this.step = chain.step;
    this.writer = new CheckpointWriter({
      save: (json) => host.store.save(this.jobRef, token, json),
      snapshot: () => this.ledger.snapshot(),
      onLost: () => this.loseLock('a checkpoint write found the lock taken'),
      onRetry: (error, attempt, delayMs) =>
        this.logger.warn(
          { err: error, attempt, delayMs },
          `checkpoint write failed (${describeError(error)}); retrying with the newest state`,
        ),
      minIntervalMs: queueCheckpointIntervalMs(this.scope, options.checkpointIntervalMs),
      retryWindowMs: options.transientRetryMs,
      maxLagItems: options.maxCheckpointLagItems,
      maxLagMs: options.maxCheckpointLagMs,
    });
    this.ledger.total = publishedTotal(job.progress);
    this.progress = new ProgressReporter({
      publish: (progress) => host.publishProgress(job, progress),
      intervalMs: options.progressIntervalMs,
      figures: () => this.ledger.figures(this.#started?.gate.decision),
      onError: (error) => this.logger.warn({ err: error }, 'could not publish progress'),
    });
    this.control = new ControlWatch({
      store: host.store,
      ref: this.jobRef,
      onRequest: (request) => this.obey(request),
      onError: (error) => this.logger.warn({ err: error }, 'could not read control requests'),
    });
    if (signal !== undefined) forwardAbort(this, signal);
  }

  /** The run's effect scope around the chain's head, from its `transactional` adapter. */
  #scopeFor(each: ChainHead): EffectScope | undefined {
    const { job, label, signal, logger, definition } = this;
    return scopeOf(definition, {
      job,
      label,
      signal,
      logger,
      definition,
      each,
      loseLock: (detail) => this.loseLock(detail),
    });
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
      return await Promise.race([lifecycle(this), this.#deadlineEnding]);
    } finally {
      for (const cleanup of this.cleanups) cleanup();
      this.control.stop();
      this.progress.stop();
      this.writer.dispose();
    }
  }

  deferToDeadline(): Promise<never> {
    return this.#deadlineEnding;
  }

  /** @internal The phases of the start report here (see run-start.ts); called once each. */
  loaded(): void {
    this.#loaded = true;
  }

  /** @internal */
  started(started: Started): void {
    this.#started = started;
    if (started.recovering) this.retry.reopen();
    this.control.start(this.host.options.controlPollIntervalMs);
    startMaxRuntime(this, this.definition.maxRuntimeMs ?? this.host.options.maxRuntimeMs);
    this.#began = true;
  }

  /** True once the stored state was read: a run that could not read it never writes it. */
  get isLoaded(): boolean {
    return this.#loaded;
  }

  /** The params and throttle gate, once the run started (never for an ending before that). */
  get start(): Started | undefined {
    return this.#started;
  }

  /** True once onStart/onResume may have run: only then does onShutdown close the run. */
  get began(): boolean {
    return this.#began;
  }

  get params(): unknown {
    return this.#started?.params;
  }

  get request(): ControlRequest | undefined {
    return this.#request;
  }

  get stopRequested(): boolean {
    return this.#stopRequested;
  }

  /** Finishes the job after the item in hand: `ctx.stop()`, `maxItems`. */
  requestStop(): void {
    this.#stopRequested = true;
  }

  get firstFailureAt(): number | undefined {
    return this.retry.firstFailureAt;
  }

  /** The partition's bounds now: shrunk by a split (in the state), or as planned. */
  get partitionBounds(): JsonValue | undefined {
    return this.ledger.state.partition ?? this.origin.partition?.value;
  }

  get throttling(): boolean {
    return this.#started?.gate.active === true;
  }

  checkThrottle(): boolean | Promise<boolean> {
    return this.#started!.gate.check(this.ledger.state);
  }

  /** Records a finished item with what it settled to; the one place `processed` grows. */
  advance(cursor: JsonValue, weight: number, outcome: ItemOutcome): void {
    if (outcome === undefined) this.ledger.advance(cursor, weight);
    else if (outcome instanceof GroupParts) {
      for (const part of outcome.parts) {
        if (part.skip === undefined) this.ledger.advance(part.cursor, part.weight);
        else this.#skip(part.cursor, part.weight, part.skip);
      }
    } else this.#skip(cursor, weight, outcome);
    if (this.retry.open) {
      this.retry.close();
      this.ledger.closeOutage(outageOver(this.ledger.state));
    }
    this.#afterItem?.();
  }

  #skip(cursor: JsonValue, weight: number, skip: Skip): void {
    const record = this.recordOf(skip, cursor);
    this.ledger.skip(cursor, record, this.#maxRecorded, weight);
    this.emit('iteration.itemSkipped', {
      failedItem: record,
      error: skip.error,
      skipped: this.ledger.state.skipped ?? 0,
    });
  }

  /** A replay keeps the cursors an item was recorded with, so it can be replayed again. */
  recordOf(skip: Skip, after: JsonValue): FailedItem {
    const { replay } = this.ledger.state;
    const origin = replay === undefined ? undefined : replayedRecord(replay, after);
    if (origin === undefined) return { ...skip.record, after };
    const { cursor, after: originalAfter, partition } = origin;
    return {
      ...skip.record,
      cursor,
      after: originalAfter,
      ...(partition === undefined ? {} : { partition }),
    };
  }

  /** Makes the step just entered durable, in the effect scope first, before any of it runs. */
  async commitStep(): Promise<void> {
    if (this.scope !== undefined) await this.scope.moveTo(extrasOf(this.ledger.state));
    await this.writer.commit();
  }

  /** Makes the state durable now. */
  commit(): Promise<void> {
    return this.writer.commit();
  }

  async shutdownCallback(): Promise<void> {
    const callback = this.definition.onShutdown;
    if (callback === undefined || !this.#began) return;
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
      // Served once the run knows its params (see run-lifecycle.ts); a split is best effort.
      if (this.#started !== undefined) {
        this.interrupt('split', 'rebalancing: the run asked this partition to split');
      }
      return;
    }
    this.#request ??= request;
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

  /** Live figures for the context object. */
  get state(): Readonly<IterationState> {
    return this.ledger.state;
  }
  get totalTimeMs(): number {
    return this.ledger.totalTimeMs;
  }
  get tx(): unknown {
    return this.scope?.tx;
  }
  get idempotencyKey(): string {
    return idempotencyKey(String(this.job.id), this.#hand.cursor);
  }
}
