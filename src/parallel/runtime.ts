/**
 * What a worker does with the jobs of a parallel definition: the parent runs as a ParentRun, a
 * partition as an ordinary IterationRun through its wrappers (see partition-job.ts). Also the
 * partition's two moments that move the run forward: when it completes, it adds the next pending
 * partition of its lane (partition i adds i + maxConcurrentPartitions, so at most that many are
 * ever active, with no shared counter to race on) and, once none is pending, asks for a
 * rebalancing split (rebalance.ts); when it fails for good, the failure policy.
 */
import { Job } from 'bullmq';

import type { JobRef } from '../backends/store.js';
import type { IterationJobDefinition } from '../define-job.js';
import { parseControl, serializeControl } from '../runtime/control-request.js';
import type { RunHost } from '../runtime/host.js';
import { originOf } from '../runtime/origin.js';
import { parseState } from '../runtime/state.js';
import { adaptiveOf, PartitionAdmission } from './adaptive.js';
import type { ParallelSummary } from './aggregate.js';
import type { FlowQueue } from './flow.js';
import { addPartition, readPartitions } from './flow.js';
import { ParentRun } from './parent-run.js';
import type { PartitionData } from './partition-data.js';
import { partitionOf } from './partition-data.js';
import { partitionDefinition, partitionHost } from './partition-job.js';
import { PARALLEL_DEFAULTS } from './plan.js';
import {
  addRecordedSplits,
  partitionSplitter,
  rebalances,
  requestSplit,
  splitRequestOf,
} from './rebalance.js';
import { publishRunProgress, RunProgressThrottle } from './run-progress.js';
import { planSplits, RunSlots } from './split-plan.js';

type Definition = IterationJobDefinition<unknown, unknown, unknown>;

/** How the worker runs one job: as a parent, or as an iteration run with these wrappers. */
export type ParallelRoute =
  | { readonly kind: 'parent' }
  | { readonly kind: 'run'; readonly definition: Definition; readonly host: RunHost };

/** The emitter side of the worker that the runtime listens on. */
interface FailedEvents {
  on(event: 'failed', listener: (job: Job | undefined, error: Error) => void): unknown;
}

export class ParallelRuntime {
  readonly #queue: FlowQueue;
  readonly #definitions: ReadonlyMap<string, Definition>;
  readonly #host: () => RunHost;
  readonly #wrapped = new WeakMap<Definition, Definition>();
  readonly #slots = new RunSlots();
  #throttle: RunProgressThrottle | undefined;

  constructor(
    worker: FailedEvents,
    definitions: ReadonlyMap<string, Definition>,
    host: () => RunHost,
  ) {
    // The worker is a queue for BullMQ's Job API (Job.create, Job.fromId), on either backend.
    this.#queue = worker as unknown as FlowQueue;
    this.#definitions = definitions;
    this.#host = host;
    worker.on('failed', (job) => {
      if (job !== undefined) void this.#failed(job);
    });
  }

  /**
   * `undefined` for a job that runs as an ordinary run: of a definition without `partitions`, or
   * a replay or restart of a parallel run or of one of its partitions (which run outside the
   * flow, on the bounds their origin names).
   */
  route(definition: Definition, job: Job, host: RunHost): ParallelRoute | undefined {
    if (definition.partitions === undefined) return undefined;
    const origin = originOf(job.data);
    if (origin.replay !== undefined || origin.restart !== undefined) return undefined;
    const partition = origin.partition;
    if (partition === undefined) return { kind: 'parent' };
    let wrapped = this.#wrapped.get(definition);
    if (wrapped === undefined) {
      wrapped = partitionDefinition(definition, (ctx) => this.#completed(definition, ctx.job));
      this.#wrapped.set(definition, wrapped);
    }
    const parent = { queueName: job.queueName, id: partition.run };
    const own = { queueName: job.queueName, id: String(job.id) };
    const splitting = rebalances(definition)
      ? {
          splitter: partitionSplitter(definition, this.#queue),
          // Read with the control requests, every controlPollIntervalMs: the job's data is fresh.
          request: async () => splitRequestOf((await Job.fromId(this.#queue, own.id)) ?? undefined),
        }
      : undefined;
    // A split piece that starts running may find slots still idle (an earlier request can serve
    // fewer than were free): it looks once, in the background, when it first publishes `running`.
    let looked = splitting === undefined || partition.splitOf === undefined;
    const afterPublish = async (status: unknown) => {
      // A partition's lifecycle changes (cancelled, paused…) republish at once. Completions do
      // not: each republication reads every partition, so forcing one per completion read the
      // run's partitions P times over (O(P²) reads for a run); the throttle's publications and
      // the parent's own when it joins keep the aggregate fresh.
      await this.#republish(partition, status !== 'running' && status !== 'completed');
      if (looked || status !== 'running') return;
      looked = true;
      void this.#rebalance(job, partition, undefined).catch((error: unknown) =>
        host.logger.warn({ err: error, jobId: job.id }, 'could not look for idle slots'),
      );
    };
    return {
      kind: 'run',
      definition: wrapped,
      host: partitionHost(
        host,
        own,
        parent,
        afterPublish,
        splitting,
        this.#admission(definition, host, parent, own.id, partition),
      ),
    };
  }

  /** Adaptive concurrency's admission of one partition, when its definition has it. */
  #admission(
    definition: Definition,
    host: RunHost,
    run: JobRef,
    holder: string,
    partition: PartitionData,
  ): PartitionAdmission | undefined {
    const options = adaptiveOf(definition);
    if (options === undefined) return undefined;
    return new PartitionAdmission({
      store: host.store,
      run,
      holder,
      options,
      max: definition.maxConcurrentPartitions ?? partition.count,
      pollMs: host.options.controlPollIntervalMs,
      // Conditions see the run's params as enqueued.
      params: () => partition.params,
    });
  }

  runParent(
    definition: Definition,
    job: Job,
    token: string,
    host: RunHost,
  ): Promise<ParallelSummary> {
    return new ParentRun({ host, definition, job, token, queue: this.#queue }).execute();
  }

  /**
   * A partition completed (its onComplete step): start the next of its lane. A failure here only
   * costs concurrency: the parent adds every partition still missing when it wakes up.
   */
  async #completed(definition: Definition, job: Job): Promise<void> {
    const partition = partitionOf(job.data)!;
    if (rebalances(definition) || partition.splitOf !== undefined) {
      // Every split this partition recorded has its job before the partition completes, so the
      // parent never wakes to a finished run that still owes one (a crash may have come between).
      const stored = await this.#host().store.load({
        queueName: job.queueName,
        id: String(job.id),
      });
      const state = stored === undefined ? undefined : parseState(stored, job.name, job.id!);
      await addRecordedSplits(this.#queue, job, state);
    }
    try {
      await this.#startNext(definition, job, partition);
      if (rebalances(definition)) await this.#rebalance(job, partition, String(job.id));
    } catch (error) {
      this.#host().logger.warn(
        { err: error, jobId: job.id },
        'could not add the next partition of the lane, or ask for a split; the parent adds ' +
          'missing partitions when it wakes up',
      );
    }
  }

  /**
   * A slot of the run may be idle (`completing`'s, or one an earlier split left): with no planned
   * partition pending and none waiting, running partitions are asked for a piece per idle slot.
   */
  async #rebalance(job: Job, partition: PartitionData, completing: string | undefined) {
    const parentRef: JobRef = { queueName: job.queueName, id: partition.run };
    if (parseControl(await this.#host().store.loadControl(parentRef)) !== undefined) return;
    const partitions = await readPartitions(this.#queue, partition.run, partition.count);
    const slots = this.#slots.observe(partition.run, partitions, partition.runSlots);
    for (const { target, ways } of planSplits(partitions, completing, slots)) {
      await requestSplit(target, ways, slots);
      this.#host().logger.info(
        { jobId: job.id, target: target.jobId, ways },
        'a slot of the run is idle; asked a running partition to split',
      );
    }
  }

  async #startNext(definition: Definition, job: Job, partition: PartitionData): Promise<void> {
    // A split partition has no lane: it is an extra, made only once the lanes are all started.
    if (partition.splitOf !== undefined) return;
    const max = definition.maxConcurrentPartitions;
    const next = partition.index + (max ?? Infinity);
    if (next >= partition.count) return;
    const store = this.#host().store;
    const parentRef: JobRef = { queueName: job.queueName, id: partition.run };
    if (parseControl(await store.loadControl(parentRef))?.action === 'cancel') return;
    const stored = await store.load(parentRef);
    const plan =
      stored === undefined ? undefined : parseState(stored, job.name, partition.run).parallel;
    if (plan === undefined) return;
    await addPartition(
      this.#queue,
      {
        id: partition.run,
        name: job.name,
        queueKey: job.parent?.queueKey ?? (this.#queue as { qualifiedName: string }).qualifiedName,
        data: partition.params,
        opts: job.opts,
      },
      plan,
      next,
    );
  }

  /** A partition job failed: when for good, apply the run's failure policy. */
  async #failed(job: Job): Promise<void> {
    const partition = partitionOf(job.data);
    const definition = this.#definitions.get(job.name);
    // BullMQ sets finishedOn only on the final failure (no attempts left, or unrecoverable).
    if (partition === undefined || definition === undefined || !job.finishedOn) return;
    const host = this.#host();
    try {
      const policy = definition.onPartitionFailure ?? PARALLEL_DEFAULTS.onPartitionFailure;
      if (policy === 'cancel-others') await this.#cancelOthers(job, partition, host);
      else await this.#startNext(definition, job, partition);
      await this.#republish(partition, true);
    } catch (error) {
      // The parent applies the policy too when it wakes; this only makes it prompt.
      host.logger.warn(
        { err: error, jobId: job.id },
        'could not apply the partition failure policy',
      );
    }
  }

  async #cancelOthers(job: Job, partition: PartitionData, host: RunHost): Promise<void> {
    const parentRef = { queueName: job.queueName, id: partition.run };
    const reason = `partition #${partition.index} (job ${job.id}) failed: ${job.failedReason}`;
    await host.store.setControl(
      parentRef,
      serializeControl({ action: 'cancel', requestedAt: Date.now(), reason }),
    );
    // Parked or delayed partitions would see the cancel only when due: wake them.
    const partitions = await readPartitions(this.#queue, partition.run, partition.count);
    for (const p of partitions) if (p.state === 'delayed') await host.wake?.(p.job!);
    host.logger.warn({ jobId: job.id, parentId: partition.run }, `${reason}; cancelling the run`);
  }

  async #republish(partition: PartitionData, force: boolean): Promise<void> {
    this.#throttle ??= new RunProgressThrottle(this.#host().options.progressIntervalMs);
    if (!force && !this.#throttle.due(partition.run)) return;
    await publishRunProgress(this.#queue, partition.run, partition.count);
  }
}
