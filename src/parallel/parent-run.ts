/**
 * The parent job of a parallel run: what `enqueue` returns. Each time a worker takes it, it does
 * the next step of the run and goes back to sleep in BullMQ's `waiting-children`:
 *
 *   a newer version stored it ─► given back for a worker of that version (see run-version.ts)
 *   onStart (once) ─► plan: partitions() stored in the fenced state (once), with the job's
 *     version, which partitions start in ─► add partitions
 *     (deterministic ids; up to maxConcurrentPartitions) ─► wait for children ─► … ─► all done:
 *       any failed ─► the run fails (PartitionFailedError)
 *       any cancelled, or a cancel on the parent ─► outcome cancelled
 *       else ─► phase completing ─► onComplete (once) ─► summary of every partition
 *
 * Every step is idempotent, so a parent that dies anywhere (planning included) is taken over by
 * the next worker and ends with one set of partitions: the plan is stored before the first
 * partition is added, and adding a partition that exists adds nothing.
 */
import type { Job } from 'bullmq';
import { DelayedError, WaitingChildrenError } from 'bullmq';
import type { Logger } from 'pino';

import type { JobRef } from '../backends/store.js';
import type { IterationContext, IterationJobDefinition } from '../define-job.js';
import type { ControlRequest } from '../runtime/control-request.js';
import { parseControl } from '../runtime/control-request.js';
import { PARK_DELAY_MS } from '../runtime/endings.js';
import { giveBack } from '../runtime/give-back.js';
import type { RunHost } from '../runtime/host.js';
import { RunLedger } from '../runtime/ledger.js';
import { parseJobParams } from '../runtime/run-support.js';
import { versionSkewGiveBack } from '../runtime/run-version.js';
import type { ParallelPlan } from '../runtime/state.js';
import { parseState } from '../runtime/state.js';
import { versionOf } from '../versions-definition.js';
import type { ParallelSummary, RunFigures } from './aggregate.js';
import { parallelProgress, parallelSummary, sumFigures } from './aggregate.js';
import { PartitionFailedError } from './errors.js';
import type { FlowQueue, PartitionJob } from './flow.js';
import { addPartition, figuresOf, isFinished, readPartitions } from './flow.js';
import { validatePlan } from './plan.js';

type Definition = IterationJobDefinition<unknown, unknown, unknown>;

export interface ParentRunArgs {
  readonly host: RunHost;
  readonly definition: Definition;
  readonly job: Job;
  readonly token: string;
  readonly queue: FlowQueue;
}

export class ParentRun {
  readonly #a: ParentRunArgs;
  readonly #ref: JobRef;
  readonly #label: string;
  readonly #logger: Logger;
  readonly #ledger = new RunLedger();
  #figures: RunFigures | undefined;
  #params: unknown;
  readonly #controller = new AbortController();

  constructor(args: ParentRunArgs) {
    this.#a = args;
    this.#ref = { queueName: args.job.queueName, id: String(args.job.id) };
    this.#label = `parallel run "${args.definition.name}" (id ${args.job.id ?? '?'})`;
    this.#logger = args.host.logger.child({ jobName: args.job.name, jobId: args.job.id });
  }

  async execute(): Promise<ParallelSummary> {
    const { host, definition, job } = this.#a;
    const stored = await host.store.load(this.#ref);
    if (stored !== undefined) this.#ledger.adopt(parseState(stored, definition.name, this.#ref.id));
    const { state } = this.#ledger;
    const version = versionOf(definition);
    if ((state.version ?? 1) > version) return this.#giveBack(state.version!, version);
    this.#ledger.stampVersion(version);
    let control = await this.#control();
    if (state.parallel === undefined && state.cancelled === undefined) {
      if (control?.action === 'pause') return this.#park();
      if (control?.action === 'cancel') return this.#cancelled([], control);
    }
    this.#params = parseJobParams(definition, job.data, this.#label);
    if (state.began === false) {
      await definition.onStart?.(this.#context());
      this.#ledger.markBegun();
      await this.#save();
    }
    const plan = state.parallel ?? (await this.#plan());
    for (;;) {
      const partitions = await readPartitions(this.#a.queue, this.#ref.id, plan.plan.length);
      control = await this.#control();
      const cancelling = control?.action === 'cancel';
      const added = cancelling ? 0 : await this.#addPending(plan, partitions);
      this.#figures = sumFigures(partitions.map(figuresOf));
      // Once cancelled, partitions never added stay so: the run ends with those that ran.
      const done = partitions.every((p) => (p.state === undefined ? cancelling : isFinished(p)));
      if (added === 0 && done) {
        return this.#finish(partitions, control);
      }
      await this.#publish('running');
      // Resolves false when every child finished meanwhile: look again instead of sleeping.
      if (await job.moveToWaitingChildren(this.#a.token)) {
        throw new WaitingChildrenError();
      }
    }
  }

  async #plan(): Promise<ParallelPlan> {
    const { definition, job } = this.#a;
    const planned = await definition.partitions!({ params: this.#params, job } as never);
    const plan = validatePlan(planned, definition.name, this.#label);
    // Stored before any partition is added: a retry plans nothing again and adds the same ids.
    this.#ledger.recordPlan(plan, versionOf(definition));
    await this.#save();
    this.#logger.info({ partitions: plan.length }, 'parallel run planned');
    return this.#ledger.state.parallel!;
  }

  /** Adds missing partitions in plan order, keeping at most maxConcurrentPartitions unfinished. */
  async #addPending(plan: ParallelPlan, partitions: readonly PartitionJob[]): Promise<number> {
    const max = this.#a.definition.maxConcurrentPartitions ?? Infinity;
    let active = partitions.filter((p) => p.state !== undefined && !isFinished(p)).length;
    let added = 0;
    const { job } = this.#a;
    const parent = {
      id: this.#ref.id,
      name: job.name,
      queueKey: job.queueQualifiedName,
      data: job.data,
      opts: job.opts,
    };
    for (const p of partitions) {
      if (active >= max) break;
      if (p.state !== undefined) continue;
      await addPartition(this.#a.queue, parent, plan, p.index);
      active++;
      added++;
    }
    return added;
  }

  async #finish(
    partitions: readonly PartitionJob[],
    control: ControlRequest | undefined,
  ): Promise<ParallelSummary> {
    const { definition } = this.#a;
    const failed = partitions.filter((p) => p.state === 'failed');
    if (failed.length > 0) {
      await this.#publish('failed');
      const list = failed.map((p) => ({
        index: p.index,
        jobId: p.jobId,
        reason: p.job?.failedReason ?? 'unknown',
      }));
      throw new PartitionFailedError(
        `${this.#label} failed: ${list.length} of its ${partitions.length} partitions failed ` +
          `(${list.map((f) => `#${f.index}, job ${f.jobId}: ${f.reason}`).join('; ')}). ` +
          'The other partitions kept their cursors; fix the cause and enqueue the run again, or ' +
          'see their jobs with getRun(queue, id).partitions.',
        { jobName: definition.name, failed: list },
      );
    }
    const summaries = partitions.map((p) => p.job?.returnvalue as ParallelSummary | undefined);
    if (control?.action === 'cancel' || summaries.some((s) => s?.outcome === 'cancelled')) {
      return this.#cancelled(summaries, control);
    }
    if (this.#ledger.state.phase !== 'completing') {
      this.#ledger.markCompleting();
      await this.#save();
    }
    await definition.onComplete?.(this.#context());
    await this.#publish('completed');
    this.#logger.info({ processed: this.#figures?.processed }, 'parallel run completed');
    return parallelSummary(this.#figures!, 'completed', summaries);
  }

  async #cancelled(
    summaries: readonly (ParallelSummary | undefined)[],
    control: ControlRequest | undefined,
  ): Promise<ParallelSummary> {
    const reason = control?.reason;
    this.#ledger.markCancelled(reason);
    await this.#save();
    this.#figures ??= sumFigures(summaries.map(() => undefined));
    await this.#publish('cancelled');
    this.#logger.info({ reason }, 'parallel run cancelled');
    return parallelSummary(this.#figures, 'cancelled', summaries);
  }

  /** Paused before it planned: parked like a paused job, until resumed. */
  async #park(): Promise<never> {
    await this.#a.host.requeue(this.#a.job, this.#a.token, PARK_DELAY_MS);
    throw new DelayedError('paused by an operator before planning; parked until resumed');
  }

  /** Planned or advanced by a newer version of the job: given back for a worker of that one. */
  #giveBack(need: number, mine: number): Promise<never> {
    const { host, job, token, definition } = this.#a;
    const back = versionSkewGiveBack(this.#label, job, definition.name, need, mine, host.options);
    return giveBack(host, job, token, back, this.#logger);
  }

  async #control(): Promise<ControlRequest | undefined> {
    return parseControl(await this.#a.host.store.loadControl(this.#ref));
  }

  async #save(): Promise<void> {
    const json = JSON.stringify(this.#ledger.state);
    if (!(await this.#a.host.store.save(this.#ref, this.#a.token, json))) {
      this.#logger.warn('lost the lock of the parallel run; another worker owns it');
      throw new DelayedError('parallel run stopped: the job lock was lost');
    }
  }

  async #publish(status: 'running' | 'completed' | 'cancelled' | 'failed'): Promise<void> {
    if (this.#figures === undefined) return;
    try {
      await this.#a.host.publishProgress(this.#a.job, parallelProgress(this.#figures, status));
    } catch (error) {
      this.#logger.warn({ err: error }, 'could not publish the run progress');
    }
  }

  #context(): IterationContext<unknown, unknown> {
    const figures = (): Partial<RunFigures> => this.#figures ?? {};
    const params = (): unknown => this.#params;
    return Object.freeze({
      get params() {
        return params();
      },
      job: this.#a.job,
      cursor: null,
      step: undefined,
      get processed() {
        return figures().processed ?? 0;
      },
      get timesInterrupted() {
        return figures().timesInterrupted ?? 0;
      },
      get timesThrottled() {
        return figures().timesThrottled ?? 0;
      },
      get throttledMs() {
        return figures().throttledMs ?? 0;
      },
      get totalTimeMs() {
        return figures().totalTimeMs ?? 0;
      },
      logger: this.#logger,
      signal: this.#controller.signal,
      stop() {
        // A parallel run stops through its partitions; the parent has no items to stop.
      },
    });
  }
}
