/**
 * The BullMQ flow of a parallel run: the parent job, and one child job per partition, added with
 * a deterministic id so that adding one twice adds it once (BullMQ keeps the existing job). Every
 * call here goes through BullMQ's public Job API, which both backends (Redis, PostgreSQL) serve.
 */
import type { JobsOptions, JobState } from 'bullmq';
import { Job } from 'bullmq';

import type { IterationSummary } from '../runtime/ledger.js';
import type { IterationProgress } from '../runtime/progress.js';
import { JOB_OPTIONS_KEY } from '../runtime/run-rate.js';
import type { ParallelPlan } from '../runtime/state.js';
import type { PartitionFigures } from './aggregate.js';
import { figuresOfProgress, figuresOfSummary } from './aggregate.js';
import type { PartitionData } from './partition-data.js';
import { partitionData, partitionJobId } from './partition-data.js';
import { findPartitionJobs } from './split-jobs.js';

/** What BullMQ's Job API needs of a queue: a Worker or a Queue on either backend fits. */
export type FlowQueue = Parameters<typeof Job.create>[0];

/** A partition's job as the parent and the operations see it. */
export interface PartitionJob {
  readonly index: number;
  readonly jobId: string;
  readonly job: Job | undefined;
  /** BullMQ's state; `undefined` when the job was not added yet. */
  readonly state: JobState | 'unknown' | undefined;
  /** For a partition split off by rebalancing: the job id of the partition it came from. */
  readonly splitOf?: string;
}

export interface ParentOfRun {
  readonly id: string;
  readonly name: string;
  /** The parent's queue as BullMQ names it in a child's `parent` option. */
  readonly queueKey: string;
  readonly data: unknown;
  readonly opts: JobsOptions;
}

/** Adds partition `index` of the run (a no-op when it exists already), of the plan's version. */
export async function addPartition(
  queue: FlowQueue,
  parent: ParentOfRun,
  { plan, version }: ParallelPlan,
  index: number,
): Promise<void> {
  const data = {
    run: parent.id,
    index,
    count: plan.length,
    value: plan[index]!,
    params: parent.data,
  };
  await addPartitionJob(
    queue,
    parent,
    { ...data, ...(version === undefined ? {} : { version }) },
    partitionJobId(parent.id, index),
  );
}

/** Adds one partition job of the run, planned or split off, under its deterministic id. */
export async function addPartitionJob(
  queue: FlowQueue,
  parent: ParentOfRun,
  data: PartitionData,
  jobId: string,
): Promise<void> {
  const { attempts, backoff, priority } = parent.opts;
  // The run's own options (its rate) go with each partition: they apply to the whole run.
  const run = (parent.opts as Record<string, unknown>)[JOB_OPTIONS_KEY];
  await Job.create(queue, parent.name, partitionData(data), {
    ...(attempts === undefined ? {} : { attempts }),
    ...(backoff === undefined ? {} : { backoff }),
    ...(priority === undefined ? {} : { priority }),
    ...(run === undefined ? {} : { [JOB_OPTIONS_KEY]: run }),
    jobId,
    parent: { id: parent.id, queue: parent.queueKey },
    // A partition that fails for good is recorded against the parent, which then wakes up
    // and fails the run, instead of waiting for it forever.
    ignoreDependencyOnFailure: true,
    // Partitions are the run's record (status, idempotent planning): kept until the run goes.
    removeOnComplete: false,
    removeOnFail: false,
  });
}

/**
 * Every partition job of the run, planned ones first (`undefined` state for those not added),
 * then those rebalancing split off, with their BullMQ state.
 */
export async function readPartitions(
  queue: FlowQueue,
  parentId: string,
  count: number,
  withState = true,
): Promise<PartitionJob[]> {
  const found = await findPartitionJobs(
    async (id) => (await Job.fromId(queue, id)) ?? undefined,
    parentId,
    count,
  );
  return Promise.all(
    found.map(async ({ index, jobId, job, splitOf }) => {
      const state =
        job === undefined
          ? undefined
          : withState
            ? ((await job.getState()) as JobState | 'unknown')
            : job.finishedOn
              ? job.failedReason && job.returnvalue == null
                ? 'failed'
                : 'completed'
              : 'active';
      return { index, jobId, job, state, ...(splitOf === undefined ? {} : { splitOf }) };
    }),
  );
}

export function isFinished(p: PartitionJob): boolean {
  return p.state === 'completed' || p.state === 'failed';
}

/** A partition's figures: from its return value once completed, else from its progress. */
export function figuresOf(p: PartitionJob): PartitionFigures | undefined {
  if (p.job === undefined) return undefined;
  const progress = p.job.progress as Partial<IterationProgress> | null;
  const summary = p.job.returnvalue as Partial<IterationSummary> | null | undefined;
  const total = typeof progress === 'object' && progress !== null ? progress.total : undefined;
  if (p.state === 'completed' && typeof summary === 'object' && summary !== null) {
    return figuresOfSummary(summary, total);
  }
  return figuresOfProgress(
    typeof progress === 'object' && progress !== null ? progress : undefined,
    isFinished(p),
  );
}
