/**
 * One run of an iteration job, from loading its state to completing, requeueing or failing it.
 *
 *   load state ─► onStart (first run) / onResume ─► throttle check ─► buildEnumerator ─► loop
 *       loop ends ─┬─ exhausted / stop() ─► persist "completing" ─► onComplete ─► onShutdown ─► return
 *                  ├─ interrupted ───────► flush ─► onShutdown ─► requeue at the tail ─► DelayedError
 *                  ├─ throttled ─────────► record stats, flush ─► onShutdown ─► requeue after the
 *                  │                       condition's backoff ─► DelayedError
 *                  ├─ paused ────────────► flush ─► onShutdown ─► park (delayed until resumed)
 *                  ├─ cancelled ─────────► record "cancelled", flush ─► onShutdown ─► return
 *                  ├─ lock lost ─────────► hand off: touch nothing, DelayedError
 *                  └─ error ─────────────► flush ─► onShutdown ─► rethrow (BullMQ retries or fails)
 *
 * Pause and cancel are operators' requests made from any process (see src/control/); the run
 * reads them at its start and every `controlPollIntervalMs` while it iterates.
 *
 * The checkpoint is always flushed before the job moves, and nothing after the move can throw
 * anything but `DelayedError`, so a failing callback can never enqueue the job twice. (BullMQ's
 * worker treats `DelayedError` and `WaitingError` alike: the processor moved the job itself, so
 * the worker neither completes nor fails it; one error serves every move.)
 */
import type { Job } from 'bullmq';
import { DelayedError } from 'bullmq';
import type { Logger } from 'pino';

import type { JobRef } from '../backends/store.js';
import type { ControlRequest } from '../control/request.js';
import type {
  BuildEnumeratorArgs,
  IterationContext,
  IterationJobDefinition,
} from '../define-job.js';
import type { IterationEventName } from '../events.js';
import type { JsonValue } from '../json.js';
import { formatDuration } from '../throttle/duration.js';
import { formatThrottleStats } from '../throttle/stats.js';
import { CheckpointWriter } from './checkpoint-writer.js';
import { createContext } from './context.js';
import { ControlWatch } from './control-watch.js';
import type { RunHost } from './host.js';
import type { StopReason } from './interruption.js';
import { interruptReason, isInterruptError, IterationInterrupt } from './interruption.js';
import type { IterationSummary } from './ledger.js';
import { RunLedger } from './ledger.js';
import type { LoopEnd, LoopRun } from './loop.js';
import { runLoop } from './loop.js';
import type { IterationStatus } from './progress.js';
import { ProgressReporter } from './progress.js';
import { enumeratorSize, nameJobIn, parseJobParams } from './run-support.js';
import type { IterationState } from './state.js';
import { parseState } from './state.js';
import { recordRunStart, recordRunThrottled, throttleFor, ThrottleGate } from './throttle-gate.js';
import { withTimeout } from './timeout.js';

type Definition = IterationJobDefinition<unknown, unknown, unknown>;

/** Bound on the last writes of a run that is abandoned at the shutdown deadline. */
const TAKEOVER_TIMEOUT_MS = 5_000;

/**
 * How long a paused job stays parked in BullMQ's delayed set. A resume promotes it at once; this is
 * only how often a forgotten paused job wakes up, finds the pause still set and parks again. Kept
 * at a year because BullMQ's Redis backend packs delayed timestamps into a double-precision score.
 */
export const PARK_DELAY_MS = 365 * 24 * 60 * 60 * 1000;

export class IterationRun implements LoopRun<unknown> {
  readonly job: Job;
  readonly label: string;
  readonly signal: AbortSignal;
  readonly strict: boolean;
  readonly writer: CheckpointWriter;
  readonly progress: ProgressReporter;
  readonly logger: Logger;
  stopRequested = false;

  readonly #host: RunHost;
  readonly #definition: Definition;
  readonly #token: string;
  readonly #jobRef: JobRef;
  readonly #controller = new AbortController();
  readonly #ledger = new RunLedger();
  readonly #cleanups: (() => void)[] = [];
  readonly #control: ControlWatch;
  /** The operator's request that stopped this run, if one did. */
  #request: ControlRequest | undefined;
  /** The host's per-item hook, read once: absent on the worker, so an item pays one field test. */
  readonly #afterItem: (() => void) | undefined;
  #params: unknown;
  /** Created once the params are known; until then the run has nothing to throttle. */
  #gate: ThrottleGate | undefined;
  #abandoned = false;
  /** True once onStart/onResume was called: only then does onShutdown close the run. */
  #began = false;
  #resolveAbandon: ((outcome: Promise<never>) => void) | undefined;
  readonly #whenAbandoned = new Promise<never>((resolve) => {
    this.#resolveAbandon = resolve as (outcome: Promise<never>) => void;
  });

  constructor(
    host: RunHost,
    definition: Definition,
    job: Job,
    token: string,
    signal?: AbortSignal,
  ) {
    this.#host = host;
    this.#definition = definition;
    this.job = job;
    this.#token = token;
    this.#jobRef = { queueName: job.queueName, id: String(job.id) };
    this.#afterItem = host.afterItem;
    this.label = `iteration job "${definition.name}" (id ${job.id ?? '?'})`;
    this.signal = this.#controller.signal;
    this.strict = (definition.checkpointMode ?? host.options.checkpointMode) === 'strict';
    // The host logger is already bound to the queue (the worker binds it once).
    this.logger = host.logger.child({ jobName: job.name, jobId: job.id });
    this.writer = new CheckpointWriter({
      save: (json) => host.store.save(this.#jobRef, token, json),
      snapshot: () => this.#ledger.snapshot(),
      onLost: () => this.interrupt('lock-lost', 'a checkpoint write found the lock taken'),
      minIntervalMs: host.options.checkpointIntervalMs,
    });
    this.progress = new ProgressReporter({
      publish: (progress) => host.publishProgress(job, progress),
      intervalMs: host.options.progressIntervalMs,
      figures: () => this.#ledger.figures(this.#gate?.decision),
      onError: (error) => this.logger.warn({ err: error }, 'could not publish progress'),
    });
    this.#control = new ControlWatch({
      store: host.store,
      ref: this.#jobRef,
      onRequest: (request) => this.#obey(request),
      onError: (error) => this.logger.warn({ err: error }, 'could not read control requests'),
    });
    if (signal !== undefined) this.#forward(signal);
  }

  /** Winds the run down at the next item boundary (idempotent; the first reason wins). */
  interrupt(reason: StopReason, detail?: string): void {
    if (!this.#controller.signal.aborted) {
      this.#controller.abort(new IterationInterrupt(reason, detail));
    }
  }

  /**
   * Shutdown deadline: stop waiting for the item in flight. The cursor of the last finished item
   * is flushed and the job requeued now; the unfinished item is redone by the next run, and the
   * abandoned code can no longer move the cursor because the requeue released our lock.
   */
  abandon(): void {
    if (this.#abandoned) return;
    this.#abandoned = true;
    this.interrupt('shutdown', 'shutdown deadline reached');
    this.#resolveAbandon?.(this.#takeOver());
  }

  /** Runs the job to one of its outcomes; throws `DelayedError` when requeued or handed off. */
  async execute(): Promise<IterationSummary> {
    try {
      return await Promise.race([this.#lifecycle(), this.#whenAbandoned]);
    } finally {
      for (const cleanup of this.#cleanups) cleanup();
      this.#control.stop();
      this.progress.stop();
      this.writer.dispose();
    }
  }

  step(item: unknown): unknown {
    return this.#definition.eachIteration(item as never, this.#context as never);
  }

  advance(cursor: JsonValue): void {
    this.#ledger.advance(cursor);
    this.#afterItem?.();
  }

  get throttling(): boolean {
    return this.#gate?.active === true;
  }

  checkThrottle(): boolean | Promise<boolean> {
    return this.#gate!.check(this.#ledger.state);
  }

  async #lifecycle(): Promise<IterationSummary> {
    let end: LoopEnd | 'nil';
    try {
      end = await this.#iterate();
    } catch (error) {
      if (!isInterruptError(error, this.signal)) return await this.#fail(error);
      end = 'interrupted';
    }
    if (end === 'interrupted') return await this.#stopped();
    if (end === 'throttled') return await this.#throttled();
    return await this.#complete(end);
  }

  async #iterate(): Promise<LoopEnd | 'nil'> {
    const stored = await this.#host.store.load(this.#jobRef);
    const first = stored === undefined;
    if (!first) this.#ledger.adopt(parseState(stored, this.#definition.name, String(this.job.id)));
    // An operator's request waiting for the job is served before any callback runs.
    const request = await this.#control.read();
    if (this.#ledger.state.cancelled !== undefined) {
      this.interrupt('cancelled', 'already cancelled');
      return 'interrupted';
    }
    if (request !== undefined) {
      this.#obey(request);
      return 'interrupted';
    }
    this.#control.start(this.#host.options.controlPollIntervalMs);
    this.#params = parseJobParams(this.#definition, this.job, this.label);
    recordRunStart(this.#ledger.state, this.#ledger.startedAt);
    this.#gate = new ThrottleGate(
      throttleFor(this.#definition, this.#host.options.throttle),
      this.#params,
      this.job,
      this.logger,
    );
    this.#startMaxRuntime();
    this.#began = true;
    if (first) {
      await this.#definition.onStart?.(this.#context as never);
      // Recorded at once so onStart is not repeated by later runs, even if nothing else is saved.
      await this.writer.commit();
      if (this.writer.lost) return 'interrupted';
      this.#emit('iteration.started', {});
    } else {
      await this.#definition.onResume?.(this.#context as never);
      this.#emit('iteration.resumed', {});
    }
    // A retry after a failing onComplete goes straight back to it.
    if (this.#ledger.state.phase === 'completing') return 'exhausted';
    // Building an enumerator often queries the very resource a throttle protects.
    if (this.throttling && (await this.checkThrottle())) return 'throttled';
    const args: BuildEnumeratorArgs<unknown, unknown> = {
      params: this.#params,
      cursor: this.#ledger.state.cursor,
      job: this.job,
    };
    const source: unknown = await this.#definition.buildEnumerator(args as never);
    if (source === null || source === undefined) return 'nil';
    this.#ledger.total = await enumeratorSize(source, this.logger);
    await this.progress.publish('running');
    const end = await runLoop(source, this);
    if (end === 'exhausted' && this.#ledger.processedThisRun === 0)
      this.#emit('iteration.noItems', {});
    return end;
  }

  async #complete(
    end: Exclude<LoopEnd, 'interrupted' | 'throttled'> | 'nil',
  ): Promise<IterationSummary> {
    try {
      if (this.#ledger.state.phase !== 'completing') {
        this.#ledger.state.phase = 'completing';
        await this.writer.commit();
      }
      if (this.writer.lost) return this.#handOff();
      if (end === 'nil') this.#emit('iteration.nilEnumerator', {});
      else await this.#definition.onComplete?.(this.#context as never);
    } catch (error) {
      return await this.#fail(error);
    }
    await this.#shutdownCallback();
    await this.#publish('completed');
    this.#emit('iteration.completed', {});
    return this.#ledger.summary('completed', end === 'stopped');
  }

  /** The loop (or the start of the run) stopped on a signal: route it by its reason. */
  async #stopped(): Promise<IterationSummary> {
    const reason = interruptReason(this.signal) ?? 'aborted';
    if (reason === 'lock-lost' || this.#abandoned) return this.#handOff();
    if (reason === 'paused') return this.#park();
    if (reason === 'cancelled') return this.#cancel();
    this.#ledger.state.timesInterrupted++;
    await this.#requeue('interrupted', this.#host.options.requeueDelayMs);
    this.logger.info({ reason, processed: this.#ledger.state.processed }, 'interrupted; requeued');
    this.#emit('iteration.interrupted', { reason });
    throw new DelayedError(`requeued after interruption (${reason})`);
  }

  /**
   * A condition held: the job steps aside like an interrupted one, but after the condition's
   * backoff and counted in its own figures, because it says the resource is unhealthy, not that
   * the worker took the job away. A shutdown that arrived meanwhile is served by the same requeue.
   */
  async #throttled(): Promise<never> {
    if (interruptReason(this.signal) === 'lock-lost' || this.#abandoned) return this.#handOff();
    const decision = this.#gate!.decision!;
    const { condition, reason, delayMs, consecutive } = decision;
    const stats = recordRunThrottled(this.#ledger.state, decision, Date.now());
    await this.#requeue('throttled', delayMs);
    this.logger.info(
      { condition, reason, delayMs, consecutive, processed: this.#ledger.state.processed },
      `throttled, requeued in ${formatDuration(delayMs)}: ${formatThrottleStats(stats)}`,
    );
    this.#emit('iteration.throttled', {
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
   * Flushes the checkpoint, closes the run with onShutdown and moves the job back to its queue,
   * due in `delayMs`; hands off instead when the job is no longer ours.
   */
  async #requeue(status: 'interrupted' | 'throttled' | 'paused', delayMs: number): Promise<void> {
    try {
      await this.writer.commit();
    } catch (error) {
      // The previous checkpoint still stands; requeueing now loses nothing but redone items.
      this.logger.error({ err: error }, 'could not flush the checkpoint before requeueing');
    }
    if (this.writer.lost || this.#abandoned) this.#handOff();
    await this.#shutdownCallback();
    await this.#publish(status);
    if (this.#abandoned) this.#handOff();
    await this.#host.requeue(this.job, this.#token, delayMs);
  }

  /**
   * Paused: the job parks in BullMQ's delayed set, holding no worker slot, until `resumeRun`
   * promotes it. If the pause was withdrawn (or turned into a cancel) while the job was being
   * parked, nobody else would wake it, so the run does.
   */
  async #park(): Promise<never> {
    await this.#requeue('paused', PARK_DELAY_MS);
    const now = await this.#control.read().catch(() => undefined);
    if (now?.action !== 'pause') await this.#host.wake?.(this.job);
    const reason = this.#request?.reason;
    this.logger.info(
      { reason, processed: this.#ledger.state.processed },
      'paused; parked until resumed',
    );
    this.#emit('iteration.paused', reason === undefined ? {} : { reason });
    throw new DelayedError('paused by an operator; parked until resumed');
  }

  /**
   * Cancelled: the job ends now, without finishing its enumerator and without onComplete. It is
   * an operator's decision, not an error, so BullMQ completes the job (no retry, no failure
   * alert) with `outcome: 'cancelled'`; the cursor stays stored for inspection.
   */
  async #cancel(): Promise<IterationSummary> {
    const reason = this.#request?.reason;
    this.#ledger.state.cancelled ??= {
      at: Date.now(),
      ...(reason === undefined ? {} : { reason }),
    };
    try {
      await this.writer.commit();
    } catch (error) {
      this.logger.error({ err: error }, 'could not record the cancellation');
      throw error;
    }
    if (this.writer.lost) return this.#handOff();
    await this.#shutdownCallback();
    await this.#publish('cancelled');
    this.logger.info({ reason, processed: this.#ledger.state.processed }, 'cancelled');
    this.#emit('iteration.cancelled', reason === undefined ? {} : { reason });
    return this.#ledger.summary('cancelled', true);
  }

  /** An operator's request: stop at the next item boundary for it. */
  #obey(request: ControlRequest): void {
    this.#request ??= request;
    this.interrupt(request.action === 'pause' ? 'paused' : 'cancelled', request.reason);
  }

  async #fail(error: unknown): Promise<never> {
    if (interruptReason(this.signal) === 'lock-lost' || this.#abandoned) return this.#handOff();
    nameJobIn(error, this.#definition.name, this.label);
    try {
      await this.writer.flush();
    } catch (flushError) {
      this.logger.error({ err: flushError }, 'could not flush the checkpoint after a failure');
    }
    await this.#shutdownCallback();
    await this.#publish('failed');
    const err = error instanceof Error ? error : new Error(String(error));
    this.logger.error({ err }, 'iteration failed');
    this.#emit('iteration.failed', { error: err });
    throw error;
  }

  /** The job is not ours any more (or no longer waited for): leave it alone. */
  #handOff(): never {
    if (!this.#abandoned) {
      this.logger.warn('lost the job lock; another worker owns the job, stopping without writing');
      this.#emit('iteration.lockLost', {});
    }
    // DelayedError tells BullMQ the job was moved elsewhere, so it neither completes nor fails it.
    throw new DelayedError('iteration run stopped: the job lock was lost');
  }

  async #takeOver(): Promise<never> {
    this.logger.warn(
      { processed: this.#ledger.state.processed },
      'shutdown deadline reached inside an item; requeueing from the last finished item',
    );
    this.#ledger.state.timesInterrupted++;
    await withTimeout(this.writer.commit(), TAKEOVER_TIMEOUT_MS, 'final checkpoint');
    if (this.writer.lost) throw new DelayedError('iteration run stopped: the job lock was lost');
    this.writer.close();
    await withTimeout(
      this.#host.requeue(this.job, this.#token, this.#host.options.requeueDelayMs),
      TAKEOVER_TIMEOUT_MS,
      'requeue',
    );
    this.#emit('iteration.interrupted', { reason: 'shutdown' }, true);
    throw new DelayedError('requeued at the shutdown deadline');
  }

  async #shutdownCallback(): Promise<void> {
    const callback = this.#definition.onShutdown;
    if (callback === undefined || !this.#began) return;
    try {
      await callback(this.#context as never);
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      this.logger.error({ err }, 'onShutdown threw; the run outcome stands');
      this.#emit('iteration.callbackFailed', { callback: 'onShutdown', error: err });
    }
  }

  async #publish(status: IterationStatus): Promise<void> {
    if (!this.writer.lost) await this.progress.publish(status);
  }

  #startMaxRuntime(): void {
    const ms = this.#definition.maxRuntimeMs ?? this.#host.options.maxRuntimeMs;
    if (ms === undefined) return;
    const timer = setTimeout(() => this.interrupt('max-runtime'), ms);
    timer.unref();
    this.#cleanups.push(() => clearTimeout(timer));
  }

  #forward(signal: AbortSignal): void {
    const onAbort = () => this.interrupt('aborted', `aborted: ${String(signal.reason)}`);
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    this.#cleanups.push(() => signal.removeEventListener('abort', onAbort));
  }

  #emit(event: IterationEventName, extra: object, evenIfAbandoned = false): void {
    if (this.#abandoned && !evenIfAbandoned) return;
    const payload = this.#ledger.event(this.job, this.#definition.name);
    try {
      (this.#host.emit as (e: string, p: object) => void)(event, { ...payload, ...extra });
    } catch (error) {
      // A throwing event listener is the listener's bug; it must not change the job's outcome.
      this.logger.error({ err: error, event }, 'an iteration event listener threw');
    }
  }

  readonly #context: IterationContext<unknown, unknown> = createContext(this);

  /** Live figures for the context object. */
  get state(): Readonly<IterationState> {
    return this.#ledger.state;
  }
  get params(): unknown {
    return this.#params;
  }
  get totalTimeMs(): number {
    return this.#ledger.totalTimeMs;
  }
}
