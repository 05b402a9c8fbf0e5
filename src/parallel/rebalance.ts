/**
 * Rebalancing: when a partition of a parallel run completes and no planned partition is left to
 * start, the run asks the partition with the most items left to split, and that partition gives
 * the tail of its items to a new partition job.
 *
 *   partition A completes ─► none pending? ─► pick B, the unfinished one with most left
 *     ─► flag B's job data (splitRequestedAt) ─► B's host reads it with the control requests
 *     ─► B stops at an item boundary ─► split ending (src/runtime/split-ending.ts), driven by
 *        the splitter here: `splitPartition` proposes [shrunk, added] ─► B stores shrunk in its
 *        fenced state ─► job `<B>s<n>` is added for `added` ─► B requeues on `shrunk`
 *
 * The request lives in the job's data, not with the operators' pause and cancel, so neither
 * overwrites the other; losing one (two partitions flagging at once, a withdrawal racing a new
 * flag) costs a split, never an item. Only the partition itself, under its lock, ever splits.
 */
import type { Job } from 'bullmq';

import type { IterationJobDefinition } from '../define-job.js';
import type { JsonValue } from '../json.js';
import { describeNonJson, preview } from '../json.js';
import type { RunSplitter } from '../runtime/host.js';
import type { IterationState } from '../runtime/state.js';
import { PartitionSplitError } from './errors.js';
import type { FlowQueue, ParentOfRun, PartitionJob } from './flow.js';
import { addPartitionJob, figuresOf, isFinished } from './flow.js';
import type { PartitionData } from './partition-data.js';
import { partitionData, partitionOf } from './partition-data.js';

type Definition = IterationJobDefinition<unknown, unknown, unknown>;

/** True when the definition splits partitions: it has `splitPartition`, and `rebalance` is on. */
export function rebalances(definition: Definition): boolean {
  return definition.splitPartition !== undefined && definition.rebalance !== false;
}

/** The run of a partition job, as the partition adds its splits to it. */
export function parentOfPartition(queue: FlowQueue, job: Job, p: PartitionData): ParentOfRun {
  return {
    id: p.run,
    name: job.name,
    queueKey: job.parent?.queueKey ?? (queue as { qualifiedName: string }).qualifiedName,
    data: p.params,
    opts: job.opts,
  };
}

/** Adds the job of every split recorded in a partition's state (existing ones are kept). */
export async function addRecordedSplits(
  queue: FlowQueue,
  job: Job,
  state: Readonly<IterationState> | undefined,
): Promise<void> {
  const own = partitionOf(job.data);
  if (own === undefined || state?.splits === undefined) return;
  const parent = parentOfPartition(queue, job, own);
  for (const split of state.splits) {
    // The split starts in the version (and with the params) of the state that recorded it.
    const { version, params } = state;
    const data: PartitionData = {
      run: own.run,
      index: own.index,
      count: own.count,
      value: split.partition,
      params: params ?? own.params,
      splitOf: String(job.id),
      ...(split.step === undefined ? {} : { step: split.step }),
      ...(version === undefined ? {} : { version }),
    };
    await addPartitionJob(queue, parent, data, split.jobId);
  }
}

/** The splitter of a partition job whose definition rebalances. */
export function partitionSplitter(definition: Definition, queue: FlowQueue): RunSplitter {
  return {
    propose: async (job, state, params) => {
      const own = partitionOf(job.data)!;
      const partition = state.partition ?? own.value;
      const proposal = await definition.splitPartition!({
        partition,
        cursor: state.cursor,
        params,
        job,
      } as never);
      return proposal === undefined ? undefined : checkProposal(proposal, definition.name, job);
    },
    publish: (job, state) => addRecordedSplits(queue, job, state),
    withdraw: async (job) => {
      const { splitRequestedAt: _served, ...own } = partitionOf(job.data)!;
      await job.updateData(partitionData(own));
    },
  };
}

/** The split request flagged on a partition job's data, as a run request (see request.ts). */
export function splitRequestOf(job: Job | undefined): string | undefined {
  const at = partitionOf(job?.data)?.splitRequestedAt;
  return at === undefined ? undefined : JSON.stringify({ action: 'split', requestedAt: at });
}

/**
 * The partition that should split now, if any: none while a planned partition waits to be added;
 * else the unfinished one (not `completing`) with the most items left, when it has two or more.
 */
export function splitTarget(
  partitions: readonly PartitionJob[],
  completing: string,
): PartitionJob | undefined {
  if (partitions.some((p) => p.state === undefined)) return undefined;
  let best: { p: PartitionJob; left: number } | undefined;
  for (const p of partitions) {
    if (p.jobId === completing || isFinished(p) || !SPLITTABLE.has(String(p.state))) continue;
    const figures = figuresOf(p);
    const left = figures?.total === undefined ? Infinity : figures.total - (figures.processed ?? 0);
    if (left >= 2 && (best === undefined || left > best.left)) best = { p, left };
  }
  return best?.p;
}

/** States a partition can be asked to split in; a delayed one may be parked by a pause. */
const SPLITTABLE = new Set(['active', 'waiting', 'prioritized']);

/** Flags the target's job data; it splits at its next item boundary (or at its start). */
export async function requestSplit(target: PartitionJob, now = Date.now()): Promise<void> {
  const own = partitionOf(target.job?.data);
  if (own === undefined || own.splitRequestedAt !== undefined) return;
  await target.job!.updateData(partitionData({ ...own, splitRequestedAt: now }));
}

function checkProposal(proposal: unknown, jobName: string, job: Job): [JsonValue, JsonValue] {
  const fix =
    'Return [shrunk, added], two partitions of the same shape as those partitions() plans ' +
    '(splitRange and splitKeyset return that), or undefined to keep the partition whole.';
  if (!Array.isArray(proposal) || proposal.length !== 2) {
    throw new PartitionSplitError(
      `splitPartition of parallel run "${jobName}" (partition job ${job.id}) returned ` +
        `${preview(proposal)}, not a pair. ${fix}`,
      { jobName, proposal },
    );
  }
  const bad = describeNonJson(proposal, 'proposal');
  if (bad !== undefined) {
    throw new PartitionSplitError(
      `splitPartition of parallel run "${jobName}" (partition job ${job.id}) returned a value ` +
        `that is not JSON data (${bad}); partitions are stored with the run. ${fix}`,
      { jobName, proposal },
    );
  }
  return proposal as [JsonValue, JsonValue];
}
