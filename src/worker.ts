/**
 * IterationWorker: a BullMQ Worker whose processor runs iteration jobs. It owns the wiring between
 * BullMQ and the runtime: the job registry, one IterationRun per active job, shutdown (interrupt
 * every run, and requeue those still inside an item at the deadline), lock-loss notifications and
 * process signals. The lifecycle of a run itself lives in src/runtime/run.ts.
 */
import type {
  BackendFactory,
  ConnectionOptions,
  IQueueBackend,
  Job,
  JobProgress,
  RedisQueueBackend,
  WorkerListener,
  WorkerOptions,
} from 'bullmq';
import { Worker } from 'bullmq';
import type { Logger } from 'pino';

import type { Requeue } from './backends/for-backend.js';
import { checkpointStoreFor, requeueFor } from './backends/for-backend.js';
import { requireClusterPrefix } from './backends/redis-cluster.js';
import type { CheckpointStore } from './backends/store.js';
import type { AnyIterationJob, IterationJobDefinition } from './define-job.js';
import { UnknownJobError } from './errors.js';
import type { IterationWorkerEvents } from './events.js';
import { buildRegistry } from './job-registry.js';
import { resolveLogger } from './logger-option.js';
import type { IterationOptions, ResolvedIterationOptions } from './options.js';
import { BULLMQ_OVERRIDES, resolveIterationOptions } from './options.js';
import { ParallelRuntime } from './parallel/runtime.js';
import type { RunHost } from './runtime/host.js';
import { promoteDelayed } from './runtime/host.js';
import type { IterationSummary } from './runtime/ledger.js';
import { IterationRun } from './runtime/run.js';
import { throttleFor } from './runtime/throttle-gate.js';
import { handleSignalsFor } from './signals.js';
import type { ResolvedTelemetryOption, TelemetryWorkerOptions } from './telemetry/options.js';
import { resolveTelemetryOption } from './telemetry/options.js';
import { WorkerTelemetry } from './telemetry/worker-telemetry.js';
import { warmUpThrottle } from './throttle/evaluate.js';
import type { ResolvedThrottle } from './throttle/resolve.js';
import { giveBackUnknown } from './unknown-job.js';

/** BullMQ's WorkerOptions plus the iteration options. */
export type IterationWorkerOptions<C = ConnectionOptions> = WorkerOptions<C> &
  IterationOptions &
  TelemetryWorkerOptions;

/** BullMQ's worker events plus the `iteration.*` lifecycle events. */
export type IterationWorkerListener = WorkerListener<unknown, IterationSummary, string> &
  IterationWorkerEvents;

type Definition = IterationJobDefinition<unknown, unknown, unknown>;

/**
 * Runs iteration jobs from one queue.
 *
 * @example
 * ```ts
 * const worker = new IterationWorker('maintenance', [backfillUsers], { connection });
 * // on PostgreSQL: new IterationWorker('maintenance', jobs, { connection: url }, createPostgresBackend)
 * ```
 */
export class IterationWorker<
  B extends IQueueBackend = RedisQueueBackend,
  C = ConnectionOptions,
> extends Worker<unknown, IterationSummary, string, B, JobProgress, C> {
  /** The resolved iteration options. */
  readonly iteration: ResolvedIterationOptions;
  /** The iteration jobs this worker runs, by name. */
  readonly definitions: ReadonlyMap<string, Definition>;
  readonly logger: Logger;

  readonly #runs = new Set<IterationRun>();
  #store: CheckpointStore | undefined;
  #requeue: Requeue | undefined;
  #shuttingDown = false;
  #deadline: NodeJS.Timeout | undefined;
  #unregisterSignals: (() => void) | undefined;
  readonly #telemetryOption: ResolvedTelemetryOption;
  /** Started on the first job: see src/telemetry/. */
  #telemetry: Promise<WorkerTelemetry | undefined> | undefined;
  readonly #parallel: ParallelRuntime;

  constructor(
    queueName: string,
    jobs: readonly AnyIterationJob[],
    options: IterationWorkerOptions<C>,
    backendFactory?: BackendFactory<B, C>,
  ) {
    const owner = `IterationWorker for queue "${queueName}"`;
    const definitions = buildRegistry(jobs, owner);
    const iteration = resolveIterationOptions(options, owner);
    requireClusterPrefix(options.connection, options.prefix, queueName, owner);
    const telemetryOption = resolveTelemetryOption(options.openTelemetry, owner);
    // Validates the throttle of definitions that did not come from defineIterationJob, and combines
    // each job's with the worker's once, before any job runs.
    const throttles = [...definitions.values()].map((d) => throttleFor(d, iteration.throttle));
    const {
      logger,
      handleSignals: _handleSignals,
      shutdownTimeoutMs: _shutdownTimeoutMs,
      checkpointMode: _checkpointMode,
      checkpointIntervalMs: _checkpointIntervalMs,
      progressIntervalMs: _progressIntervalMs,
      maxRuntimeMs: _maxRuntimeMs,
      requeueDelayMs: _requeueDelayMs,
      controlPollIntervalMs: _controlPollIntervalMs,
      throttle: _throttle,
      transientRetryMs: _transientRetryMs,
      maxOutageMs: _maxOutageMs,
      maxCheckpointLagItems: _maxCheckpointLagItems,
      maxCheckpointLagMs: _maxCheckpointLagMs,
      unknownJobGraceMs: _unknownJobGraceMs,
      openTelemetry: _openTelemetry,
      ...workerOptions
    } = options;
    const self: { worker?: IterationWorker<B, C> } = {};
    // Three declared parameters: BullMQ creates the per-job AbortSignal only for such processors.
    const processor = (job: Job, token: string | undefined, signal: AbortSignal | undefined) =>
      self.worker!.#process(job, token, signal);
    const bullOptions = { ...BULLMQ_OVERRIDES, ...workerOptions, autorun: false };
    super(queueName, processor, bullOptions as WorkerOptions<never>, backendFactory as never);
    self.worker = this;
    this.iteration = iteration;
    this.#telemetryOption = telemetryOption;
    this.definitions = definitions;
    this.logger = resolveLogger(logger).child({ queue: queueName });
    this.#parallel = new ParallelRuntime(this, definitions, () => this.#host());
    this.#warmUp(throttles);
    this.on('closing', () => this.#beginShutdown());
    if (iteration.handleSignals) {
      this.#unregisterSignals = handleSignalsFor({
        close: () => this.close(),
        signalLog: (message) => this.logger.warn(message),
      });
    }
    if (workerOptions.autorun !== false) {
      this.run().catch((error: unknown) => this.emit('error', error as Error));
    }
  }

  /** Number of iteration runs in progress on this worker. */
  get activeRuns(): number {
    return this.#runs.size;
  }

  /**
   * Closes the worker gracefully: every running job stops at its next item boundary, saves its
   * cursor and requeues itself; jobs still inside an item after `shutdownTimeoutMs` are requeued
   * from their last finished item. `force` skips the wait (their items are redone, as after a crash).
   */
  override async close(force = false): Promise<void> {
    this.#beginShutdown();
    if (force) for (const run of this.#runs) run.abandon();
    try {
      await super.close(force);
    } finally {
      clearTimeout(this.#deadline);
      void this.#telemetry?.then((telemetry) => telemetry?.close());
      this.#unregisterSignals?.();
      this.#unregisterSignals = undefined;
    }
  }

  override on<U extends keyof IterationWorkerListener>(
    event: U,
    listener: IterationWorkerListener[U],
  ): this {
    return super.on(event as never, listener as never);
  }

  override once<U extends keyof IterationWorkerListener>(
    event: U,
    listener: IterationWorkerListener[U],
  ): this {
    return super.once(event as never, listener as never);
  }

  override off<U extends keyof IterationWorkerListener>(
    event: U,
    listener: IterationWorkerListener[U],
  ): this {
    return super.off(event as never, listener as never);
  }

  async #process(
    job: Job,
    token: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<IterationSummary> {
    const definition = this.definitions.get(job.name);
    if (definition === undefined) {
      const error = new UnknownJobError(job.name, [...this.definitions.keys()], this.name);
      return giveBackUnknown(job, token, error, this.iteration.unknownJobGraceMs, this.logger);
    }
    if (token === undefined) {
      throw new Error(`BullMQ gave iteration job "${job.name}" (id ${job.id}) no lock token`);
    }
    const telemetry = await (this.#telemetry ??= this.#startTelemetry());
    const route = this.#parallel.route(definition, job, this.#host());
    if (route?.kind === 'parent') {
      const runParent = (host: RunHost) => this.#parallel.runParent(definition, job, token, host);
      return telemetry === undefined
        ? runParent(this.#host())
        : telemetry.observeParent(job, definition.name, this.#host(), runParent);
    }
    const run = new IterationRun(
      route?.host ?? this.#host(),
      route?.definition ?? definition,
      job,
      token,
      signal,
    );
    this.#runs.add(run);
    if (this.#shuttingDown) run.interrupt('shutdown');
    try {
      return await (telemetry === undefined
        ? run.execute()
        : telemetry.observe(run, () => run.execute()));
    } finally {
      this.#runs.delete(run);
    }
  }

  #startTelemetry(): Promise<WorkerTelemetry | undefined> {
    return WorkerTelemetry.start(this.#telemetryOption, this.name, this, this.logger).catch(
      (error: unknown) => {
        this.logger.warn({ err: error }, 'OpenTelemetry could not start; runs are not traced');
        return undefined;
      },
    );
  }

  #host(): RunHost {
    this.#store ??= checkpointStoreFor(this.getBackend());
    this.#requeue ??= requeueFor(this.getBackend());
    return {
      store: this.#store,
      logger: this.logger,
      options: this.iteration,
      emit: (event, ...args) => {
        (this.emit as (event: string, ...args: unknown[]) => boolean)(event, ...args);
      },
      requeue: this.#requeue,
      publishProgress: (job, progress) => job.updateProgress(progress),
      wake: promoteDelayed,
    };
  }

  /**
   * First probes of every health check the jobs read, in the background: construction does not
   * wait for them, and a job that starts before they settle waits for its own verdict anyway.
   */
  #warmUp(throttles: readonly ResolvedThrottle[]): void {
    warmUpThrottle(throttles.flat()).catch((error: unknown) => {
      // Only a hand-made health check can reject; the job's own reads will meet it again.
      this.logger.warn({ err: error }, 'warming up the throttle health checks failed');
    });
  }

  #beginShutdown(): void {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    for (const run of this.#runs) run.interrupt('shutdown');
    if (this.#runs.size > 0) {
      this.logger.debug({ running: this.#runs.size }, 'closing: interrupting running jobs');
    }
    this.#deadline = setTimeout(() => {
      for (const run of this.#runs) run.abandon();
    }, this.iteration.shutdownTimeoutMs);
    this.#deadline.unref();
  }

  /**
   * BullMQ reports failed renewals by job id only; matched by id alone, a failure for the previous
   * run of a job on this worker (whose token is gone) could stop the job's new run. The renewal is
   * intercepted here to match each failed id with the token that was renewed.
   */
  override async extendJobLocks(
    jobIds: string[],
    tokens: string[],
    duration: number,
  ): Promise<string[]> {
    const failed = await super.extendJobLocks(jobIds, tokens, duration);
    for (const id of failed) {
      const token = tokens[jobIds.indexOf(id)];
      for (const run of this.#runs) {
        if (String(run.job.id) === id && run.token === token) {
          run.loseLock('BullMQ could not renew the job lock');
        }
      }
    }
    return failed;
  }
}

export type { UnknownJobProgress } from './unknown-job.js';
