/**
 * `runInline`: one iteration job "in a queue" of its own, run by the real runtime (`IterationRun`)
 * with an in-memory host instead of a worker and a server. Each `iterate()` is one run, as when a
 * worker takes the job: completed, requeued (interrupted or throttled) or failed, then what BullMQ
 * would do (count the attempt, retry, record the requeue). It logs nothing unless a test passes
 * `worker: { logger }`.
 */
import type { Job } from 'bullmq';
import { pino } from 'pino';

import type { IterationJob, IterationJobDefinition, IterationStepsJob } from '../define-job.js';
import { resolveLogger } from '../logger-option.js';
import type { IterationOptions } from '../options.js';
import { resolveIterationOptions } from '../options.js';
import type { RunHost } from '../runtime/host.js';
import type { IterationSummary } from '../runtime/ledger.js';
import type { IterationProgress } from '../runtime/progress.js';
import { IterationRun } from '../runtime/run.js';
import type { IterationState } from '../runtime/state.js';
import { parseState } from '../runtime/state.js';
import type { CallbackName } from './callbacks.js';
import { observeCallbacks } from './callbacks.js';
import type { InlineEvent } from './events.js';
import { captureEvents } from './events.js';
import type { InlineJobState } from './inline-job.js';
import { InlineJob } from './inline-job.js';
import type { InlineOptions, InlineRunResult, IterateOptions } from './inline-options.js';
import { checkItems, checkMaxRuns } from './inline-options.js';
import {
  assertRunnable,
  completeJob,
  failJob,
  requeueJob,
  retryJob,
  takeJob,
} from './job-moves.js';
import { MemoryCheckpointStore } from './memory-store.js';
import type { InlineRequeue } from './requeue.js';
import { describeRequeue } from './requeue.js';

type Definition = IterationJobDefinition<unknown, unknown, unknown>;

/** How one run ended, before `iterate()` turns a failure into a rejection. */
type Settled = { readonly result: InlineRunResult } | { readonly error: unknown };

export class InlineRun<Params, Cursor> {
  readonly #definition: Definition;
  readonly #job: InlineJob<Params>;
  readonly #ref: { readonly queueName: string; readonly id: string };
  readonly #label: string;
  readonly #store = new MemoryCheckpointStore();
  readonly #host: Omit<RunHost, 'requeue' | 'afterItem'>;
  readonly #settings: InlineOptions<Params>['worker'];
  readonly #enqueued: Promise<unknown>;
  readonly #callbacks: CallbackName[] = [];
  readonly #events: InlineEvent[] = [];
  readonly #requeues: InlineRequeue[] = [];
  #current: IterationRun | undefined;
  #runs = 0;
  #error: unknown;
  #summary: IterationSummary | undefined;

  constructor(
    job: IterationJob<Params, unknown, Cursor> | IterationStepsJob<Params>,
    options: InlineOptions<Params>,
  ) {
    const queueName = options.queueName ?? 'inline';
    const id = options.jobId ?? '1';
    this.#ref = { queueName, id };
    this.#label = `iteration job "${job.name}" (id ${id}, run inline)`;
    this.#definition = observeCallbacks(job.definition as Definition, (name) =>
      this.#callbacks.push(name),
    );
    const worker: IterationOptions = options.worker ?? {};
    this.#settings = options.worker;
    this.#host = {
      store: this.#store,
      logger: resolveLogger(worker.logger, () => pino({ level: 'silent' })).child({
        queue: queueName,
      }),
      options: resolveIterationOptions(worker, `runInline("${job.name}") worker options`),
      emit: captureEvents(this.#events),
      publishProgress: (target, progress) => target.updateProgress(progress),
    };
    this.#job = new InlineJob(job.name, options.params, options.opts ?? {}, {
      id,
      queue: queueName,
    });
    // Through the job's own enqueue, so params are checked and stored as they would be. Its error,
    // if any, is the first run's: enqueue is asynchronous, and this constructor is not.
    this.#enqueued = job.enqueue(
      {
        add: async (_name, data) => {
          // BullMQ stores data as JSON: the job reads a copy, never the caller's object.
          this.#job.data = JSON.parse(JSON.stringify(data)) as Params;
          return this.#job as unknown as Job;
        },
      },
      options.params,
      options.opts,
    );
    this.#enqueued.catch(() => {});
  }

  /** The stand-in BullMQ job that `ctx.job` is: data, options, attempts, progress, state. */
  get job(): Job<Params> {
    return this.#job as unknown as Job<Params>;
  }

  /** The job's BullMQ state: `waiting` or `delayed` between runs, `active` during one. */
  get status(): InlineJobState {
    return this.#job.state;
  }

  /** The stored cursor: where the next run resumes (`null` before the first checkpoint). */
  get cursor(): Cursor | null {
    return (this.#stored()?.cursor ?? null) as Cursor | null;
  }

  /** Items finished over the life of the job, as stored. */
  get processed(): number {
    return this.#stored()?.processed ?? 0;
  }

  get timesInterrupted(): number {
    return this.#stored()?.timesInterrupted ?? 0;
  }

  get timesThrottled(): number {
    return this.#stored()?.throttle?.timesThrottled ?? 0;
  }

  /** The lifecycle callbacks the job defines, in the order they were called, over every run. */
  get callbacks(): readonly CallbackName[] {
    return this.#callbacks;
  }

  /** Every `iteration.*` event, in order, over every run. */
  get events(): readonly InlineEvent[] {
    return this.#events;
  }

  /** The requeues the runs asked for, in order; the job was not made to wait. */
  get requeues(): readonly InlineRequeue[] {
    return this.#requeues;
  }

  /** The progress object the job published last, as dashboards would read it. */
  get progress(): IterationProgress | undefined {
    const progress = this.#job.progress;
    return typeof progress === 'object' ? (progress as IterationProgress) : undefined;
  }

  /** The error of the last run, when it failed. */
  get error(): unknown {
    return this.#error;
  }

  /** What the job returned once completed (BullMQ's `returnvalue`). */
  get summary(): IterationSummary | undefined {
    return this.#summary;
  }

  /**
   * One run, as when a worker takes the job: to its end, or until it is interrupted or
   * throttled. With `items`, the run is interrupted (reason `shutdown`) once that many items are
   * finished. Rejects with the job's error when the run fails; BullMQ's retry, if due, is the
   * next `iterate()`.
   */
  async iterate(options: IterateOptions = {}): Promise<InlineRunResult> {
    const items = checkItems(options.items);
    await this.#enqueued;
    this.#assertRunnable('iterate()');
    const settled = await this.#run(items);
    if ('error' in settled) throw settled.error;
    return settled.result;
  }

  /** One run that finishes one item, then is interrupted as by a shutdown. */
  async once(): Promise<InlineRunResult> {
    return this.iterate({ items: 1 });
  }

  /**
   * Runs the job as a worker would until it completes, taking it again after every requeue and
   * every failed attempt BullMQ retries, without waiting for delays. Resolves with its summary;
   * rejects with its error once it fails for good.
   */
  async finish(options: { readonly maxRuns?: number } = {}): Promise<IterationSummary> {
    const maxRuns = checkMaxRuns(options.maxRuns);
    await this.#enqueued;
    for (let runs = 0; this.status !== 'completed' && this.status !== 'failed'; runs++) {
      if (runs === maxRuns) {
        throw new Error(
          `${this.#label} is still ${this.status} after ${maxRuns} runs of finish(); the last ` +
            `requeue was ${JSON.stringify(this.#requeues.at(-1) ?? null)}. A throttle that ` +
            'keeps holding never lets it finish; raise `maxRuns` if it needs more runs.',
        );
      }
      this.#assertRunnable('finish()');
      await this.#run(undefined);
    }
    if (this.status === 'failed') throw this.#error;
    return this.#summary!;
  }

  /** Moves the failed job back to its queue, as BullMQ's `job.retry()` does, and runs it. */
  async retry(options: IterateOptions = {}): Promise<InlineRunResult> {
    await this.#enqueued;
    if (this.status !== 'failed') {
      throw new Error(
        `retry() moves a failed job back to its queue, as job.retry() does, but ${this.#label} ` +
          `is ${this.status}. Use iterate() to run it.`,
      );
    }
    retryJob(this.#job);
    return this.iterate(options);
  }

  /** Interrupts the run in progress at its next item boundary, as a shutdown or a cancel would. */
  interrupt(reason: 'shutdown' | 'max-runtime' | 'aborted' = 'shutdown'): void {
    if (this.#current === undefined) {
      throw new Error(
        `interrupt() stops the run in progress, but no run of ${this.#label} is in progress. ` +
          'To interrupt a run before its first item, use iterate({ items: 0 }).',
      );
    }
    this.#current.interrupt(reason);
  }

  async #run(items: number | undefined): Promise<Settled> {
    const job = this.#job;
    const token = `inline-run-${++this.#runs}`;
    let processed = 0;
    let requeuedIn: number | undefined;
    const run: IterationRun = new IterationRun(
      {
        ...this.#host,
        requeue: async (_job, from, delayMs) => {
          // BullMQ's move to delayed releases the lock in the same step.
          requeuedIn = delayMs;
          this.#store.unlock(this.#ref, from);
        },
        afterItem: () => {
          if (++processed === items) run.interrupt('shutdown');
        },
      },
      this.#definition,
      job as unknown as Job,
      token,
    );
    // Interrupted before its first item, as a run taken by a worker that is already closing.
    if (items === 0) run.interrupt('shutdown');
    const firstEvent = this.#events.length;
    this.#store.lock(this.#ref, token);
    takeJob(job, token);
    this.#current = run;
    this.#error = undefined;
    try {
      const summary = await run.execute();
      this.#summary = summary;
      completeJob(job, summary);
      return { result: { outcome: 'completed', processed, summary } };
    } catch (error) {
      if (!isDelayedError(error)) {
        this.#error = error;
        await failJob(job, error, this.#settings?.settings?.backoffStrategy);
        return { error };
      }
      if (requeuedIn === undefined) {
        throw new Error(
          `${this.#label}: the run ended with a DelayedError without requeueing the job ` +
            `(${error instanceof Error ? error.message : String(error)}). Only a lost lock does ` +
            'that, and nothing else holds an inline job: did eachIteration throw a DelayedError?',
        );
      }
      const requeue = describeRequeue(requeuedIn, this.#events.slice(firstEvent), run.signal);
      this.#requeues.push(requeue);
      requeueJob(job, requeuedIn);
      return { result: { outcome: 'requeued', processed, requeue } };
    } finally {
      this.#current = undefined;
      this.#store.unlock(this.#ref, token);
      job.token = undefined;
    }
  }

  #assertRunnable(method: string): void {
    assertRunnable(this.status, method, this.#label, this.#job.failedReason);
  }

  #stored(): IterationState | undefined {
    const text = this.#store.peek(this.#ref);
    return text === undefined ? undefined : parseState(text, this.#job.name, this.#ref.id);
  }
}

/** BullMQ's worker recognises its control-flow errors by class or by name; so does this. */
function isDelayedError(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'DelayedError';
}
