/**
 * One run of an iteration job, from loading its state to one of its endings (its lifecycle is in
 * run-lifecycle.ts). The run is the one owner of its state: its fields are written here, and the
 * persisted state only by its ledger; every layer it is made of reads them and calls its methods.
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
import type { IterationContext, IterationJobDefinition } from '../define-job.js';
import type { IterationEventName } from '../events.js';
import type { JsonValue } from '../json.js';
import type { CheckpointWriter } from './checkpoint-writer.js';
import { createContext } from './context.js';
import type { ControlRequest, RunRequest } from './control-request.js';
import type { ControlWatch } from './control-watch.js';
import type { EffectScope } from './effect-scope.js';
import type { RunEnd } from './endings.js';
import type { RunHost } from './host.js';
import { emitEvent } from './host.js';
import type { StopReason } from './interruption.js';
import { IterationInterrupt } from './interruption.js';
import { forwardAbort, startMaxRuntime } from './interruption-sources.js';
import type { ItemInHand } from './item-chain.js';
import { runChain } from './item-chain.js';
import type { GuardedRun, ItemStep } from './item-guard.js';
import type { ItemOutcome } from './item-outcome.js';
import { itemPolicyOf } from './item-policy.js';
import { announceSkip, applyItem } from './item-records.js';
import type { IterationSummary } from './ledger.js';
import { RunLedger } from './ledger.js';
import { boundaryCheck } from './limits.js';
import { takeOver } from './moves.js';
import type { RunOrigin } from './origin.js';
import { originOf } from './origin.js';
import { RunOwnership } from './ownership.js';
import type { ProgressReporter } from './progress.js';
import { publishedTotal } from './progress.js';
import { RetryInPlace } from './retry-in-place.js';
import type { PassRun } from './run-items.js';
import { lifecycle } from './run-lifecycle.js';
import type { RateOption } from './run-rate.js';
import { RateGate } from './run-rate.js';
import type { Started } from './run-start.js';
import { wireRun } from './run-wiring.js';
import { extrasOf } from './state.js';
import type { RunPlan, StepsRun } from './steps.js';
import { runPlan } from './steps.js';

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
  /** The run's rate limit (see run-rate.ts); its limit follows the run's live settings. */
  readonly rate: RateGate;
  /** True when no item policy, effect scope or host hook can settle an item otherwise than done. */
  readonly plainItems: boolean;
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
  readonly #onSkip = announceSkip(this);
  /** The host's per-item hook, read once: absent on the worker, so an item pays one field test. */
  readonly #afterItem: (() => void) | undefined;
  #started: Started | undefined;
  #loaded = false;
  #began = false;
  #stopRequested = false;
  /** Interrupted or stopped: the loop reads this one field per item. */
  #halted = false;
  #request: ControlRequest | undefined;

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
    const rate = definition.rate as RateOption | undefined;
    const bucket = host.runRef ?? this.jobRef;
    this.rate = new RateGate(host.store, bucket, this.signal, job.opts, rate);
    const policy = itemPolicyOf(definition);
    this.#maxRecorded = policy?.maxRecorded ?? 0;
    // The plan first: its `each` is the head of the chain, called directly (no layer between).
    const unit = () => this.scope?.itemsPerUnit ?? 1;
    this.plan = runPlan(definition, this, unit, this.origin.partition?.step);
    const chain = runChain(this, definition, policy);
    this.#hand = chain.hand;
    this.scope = chain.scope;
    this.step = chain.step;
    this.plainItems = policy === undefined && this.scope === undefined && !this.#afterItem;
    const wiring = wireRun(this, {
      checkpointIntervalMs: definition.checkpointIntervalMs ?? options.checkpointIntervalMs,
      partitions: this.origin.partition?.count ?? 1,
      decision: () => this.#started?.gate.decision,
    });
    this.writer = wiring.writer;
    this.progress = wiring.progress;
    this.control = wiring.control;
    this.ledger.total = publishedTotal(job.progress);
    if (signal !== undefined) forwardAbort(this, signal);
  }

  /** Winds the run down at the next item boundary (idempotent; the first reason wins). */
  interrupt(reason: StopReason, detail?: string): void {
    if (!this.#controller.signal.aborted) {
      this.#halted = true;
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
    if (this.ownership.endAtDeadline(() => takeOver(this))) return;
    if (this.ownership.ender === 'lifecycle') {
      this.logger.warn('shutdown deadline reached while the run is ending; waiting for it');
    }
  }

  /** Runs the job to one of its endings; throws `DelayedError` when requeued or handed off. */
  async execute(): Promise<IterationSummary> {
    try {
      return await Promise.race([lifecycle(this), this.ownership.deadlineEnding]);
    } finally {
      for (const cleanup of this.cleanups) cleanup();
      void this.host.admission?.release(this.job);
      this.control.stop();
      this.progress.stop();
      this.writer.dispose();
    }
  }

  deferToDeadline(): Promise<never> {
    return this.ownership.deadlineEnding;
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

  // Read-only views of the run's own fields (see RunEnd and PassRun for what each means).
  get isLoaded(): boolean {
    return this.#loaded;
  }
  get start(): Started | undefined {
    return this.#started;
  }
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
  get halted(): boolean {
    return this.#halted;
  }
  get firstFailureAt(): number | undefined {
    return this.retry.firstFailureAt;
  }

  /** Finishes the job after the item in hand: `ctx.stop()`, `maxItems`. */
  requestStop(): void {
    this.#stopRequested = true;
    this.#halted = true;
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
    else applyItem(this.ledger, cursor, weight, outcome, this.#maxRecorded, this.#onSkip);
    if (this.retry.open) this.retry.itemDone(this.ledger);
    this.#afterItem?.();
  }

  /** Makes the position just moved to (a step entered, a migrated state) durable, scope first. */
  async commitPosition(): Promise<void> {
    await this.scope?.moveTo(extrasOf(this.ledger.state), this.ledger.state.cursor);
    await this.writer.commit();
  }

  /** @internal A request: an operator's, or the parallel run's split; stop at the next boundary. */
  obey(request: RunRequest): void {
    if (request.action === 'split') {
      // Served once the run knows its params (see run-lifecycle.ts) and has finished an item (a
      // partition that has not started is never split); a split is best effort.
      if (this.#started !== undefined && this.ledger.state.cursor !== null) {
        this.interrupt('split', 'rebalancing: the run asked this partition to split');
      }
      return;
    }
    this.#request ??= request;
    this.interrupt(request.action === 'pause' ? 'paused' : 'cancelled', request.reason);
  }

  emit(event: IterationEventName, extra: object): void {
    emitEvent(this, event, extra);
  }

  /** The cursor after the item in hand, for its idempotency key (see context.ts). */
  get itemCursor(): JsonValue | undefined {
    return this.#hand.cursor;
  }
  /** The item's own signal while it runs, with `itemTimeoutMs` (see item-timeout.ts). */
  get itemSignal(): AbortSignal | undefined {
    return this.#hand.signal;
  }
}
