/**
 * A worker's OpenTelemetry: created on its first job when its `openTelemetry` option and the
 * registered SDK call for it, then wrapped around every run. It listens to the worker's own
 * `iteration.*` events to add span events and count interruptions and throttles, so the run
 * lifecycle and the loop know nothing of it.
 */
import type { Job } from 'bullmq';
import { DelayedError } from 'bullmq';
import type { Logger } from 'pino';

import type { IterationEventName, IterationWorkerEvents } from '../events.js';
import { packageVersion } from '../version.js';
import { IterationMetrics, type MeasuredRun } from './metrics.js';
import type { RunOutcome } from './names.js';
import type { ObservedRun } from './observed-run.js';
import type { ResolvedTelemetryOption } from './options.js';
import { chooseTelemetry, loadOtelApi, type OtelApi } from './otel-api.js';
import { parentOutcome, ParentSpan } from './parent-span.js';
import { ParentWatch, type WatchableHost } from './parent-watch.js';
import { type RunEventPayload, RunSpan } from './run-span.js';

/** The events that decide a run's outcome, and the outcome each one means. */
const OUTCOMES: Partial<Record<IterationEventName, RunOutcome>> = {
  'iteration.completed': 'completed',
  'iteration.cancelled': 'cancelled',
  'iteration.interrupted': 'interrupted',
  'iteration.throttled': 'throttled',
  'iteration.recovering': 'recovering',
  'iteration.paused': 'paused',
  'iteration.lockLost': 'lock-lost',
  'iteration.failed': 'failed',
};

const EVENTS: readonly IterationEventName[] = [
  'iteration.started',
  'iteration.resumed',
  'iteration.interrupted',
  'iteration.throttled',
  'iteration.recovering',
  'iteration.itemSkipped',
  'iteration.completed',
  'iteration.failed',
  'iteration.nilEnumerator',
  'iteration.noItems',
  'iteration.lockLost',
  'iteration.paused',
  'iteration.cancelled',
  'iteration.callbackFailed',
];

/** The worker, as far as telemetry needs it: its events. */
export interface EventSource {
  on<E extends IterationEventName>(event: E, listener: IterationWorkerEvents[E]): unknown;
  off<E extends IterationEventName>(event: E, listener: IterationWorkerEvents[E]): unknown;
}

interface Tracked {
  readonly span: RunSpan | undefined;
  readonly measured: MeasuredRun | undefined;
  outcome: RunOutcome | undefined;
}

export class WorkerTelemetry {
  readonly #api: OtelApi;
  readonly #spans: ((run: ObservedRun) => RunSpan) | undefined;
  readonly #parentSpans: ((job: Job, jobName: string) => ParentSpan) | undefined;
  readonly #metrics: IterationMetrics | undefined;
  readonly #logger: Logger;
  readonly #runs = new Map<unknown, Tracked>();
  readonly #unlisten: () => void;

  /**
   * Loads the API and builds the worker's telemetry, or resolves undefined when there is nothing
   * to report to (option `false`, API not installed, no SDK registered and no provider given).
   */
  static async start(
    option: ResolvedTelemetryOption,
    queueName: string,
    events: EventSource,
    logger: Logger,
  ): Promise<WorkerTelemetry | undefined> {
    if (option.mode === 'off') return undefined;
    const api = await loadOtelApi();
    if (api === undefined) {
      if (option.mode === 'explicit') {
        logger.warn(
          'openTelemetry providers were given but @opentelemetry/api is not installed ' +
            '(npm install @opentelemetry/api); runs are not traced or measured',
        );
      }
      return undefined;
    }
    const chosen = chooseTelemetry(api, option, packageVersion());
    if (chosen === undefined) return undefined;
    return new WorkerTelemetry(api, chosen, option, queueName, events, logger);
  }

  private constructor(
    api: OtelApi,
    chosen: NonNullable<ReturnType<typeof chooseTelemetry>>,
    option: ResolvedTelemetryOption,
    queueName: string,
    events: EventSource,
    logger: Logger,
  ) {
    this.#api = api;
    this.#logger = logger;
    const { tracer, meter } = chosen;
    this.#spans =
      tracer === undefined ? undefined : (run) => new RunSpan(api, tracer, run, queueName);
    this.#parentSpans =
      tracer === undefined
        ? undefined
        : (job, jobName) => new ParentSpan(api, tracer, job, jobName, queueName);
    this.#metrics =
      meter === undefined
        ? undefined
        : new IterationMetrics(meter, queueName, option.itemSampleIntervalMs);
    const listeners = EVENTS.map((name) => {
      const listener = (payload: RunEventPayload & { job: unknown }) => this.#event(name, payload);
      events.on(name, listener as never);
      return () => events.off(name, listener as never);
    });
    this.#unlisten = () => {
      for (const off of listeners) off();
    };
  }

  /** Runs `execute` (the run's whole lifecycle) inside its span, measured. */
  async observe<T>(run: ObservedRun, execute: () => Promise<T>): Promise<T> {
    const span = this.#spans?.(run);
    const tracked: Tracked = { span, measured: this.#metrics?.begin(run), outcome: undefined };
    this.#runs.set(run.job, tracked);
    let thrown: { error: unknown } | undefined;
    try {
      return span === undefined
        ? await execute()
        : await this.#api.context.with(span.context, execute);
    } catch (error) {
      thrown = { error };
      throw error;
    } finally {
      this.#runs.delete(run.job);
      this.#end(run, tracked, thrown);
    }
  }

  /**
   * Runs one execution of a parallel run's parent inside its span. `execute` gets the host to run
   * the parent with: `host`, watched for the phase and figures the span reports.
   */
  async observeParent<H extends WatchableHost, T>(
    job: Job,
    jobName: string,
    host: H,
    execute: (host: H) => Promise<T>,
  ): Promise<T> {
    const span = this.#parentSpans?.(job, jobName);
    if (span === undefined) return execute(host);
    const watch = new ParentWatch(job);
    let ended: { result: unknown } | { error: unknown } = { error: undefined };
    try {
      const result = await this.#api.context.with(span.context, () => execute(watch.host(host)));
      ended = { result };
      return result;
    } catch (error) {
      ended = { error };
      throw error;
    } finally {
      try {
        span.end(watch, parentOutcome(watch, ended), 'error' in ended ? ended.error : undefined);
      } catch (error) {
        this.#logger.warn({ err: error }, 'could not record the parent job in OpenTelemetry');
      }
    }
  }

  /** Stops listening and removes the metric callbacks (the worker closes). */
  close(): void {
    this.#unlisten();
    this.#metrics?.close();
  }

  #event(name: IterationEventName, payload: RunEventPayload & { job: unknown }): void {
    const tracked = this.#runs.get(payload.job);
    if (tracked === undefined) return;
    tracked.outcome = OUTCOMES[name] ?? tracked.outcome;
    tracked.span?.event(name, payload);
    if (tracked.measured !== undefined) this.#metrics!.event(tracked.measured, name, payload);
  }

  #end(run: ObservedRun, tracked: Tracked, thrown: { error: unknown } | undefined): void {
    const outcome =
      tracked.outcome ??
      (thrown === undefined
        ? 'completed'
        : thrown.error instanceof DelayedError
          ? 'requeue-failed'
          : 'failed');
    try {
      tracked.span?.end(run, outcome, thrown?.error);
      if (tracked.measured !== undefined) this.#metrics!.end(tracked.measured, outcome);
    } catch (error) {
      // Telemetry reports on the run; it must never change how the run ends.
      this.#logger.warn({ err: error }, 'could not record the run in OpenTelemetry');
    }
  }
}
