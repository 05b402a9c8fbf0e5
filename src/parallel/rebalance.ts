/**
 * Rebalancing: while a slot of a parallel run is idle and no planned partition is left to start,
 * the run asks its running partitions to split (split-plan.ts chooses which, and into how many
 * pieces), and each gives the tail of its items to new partition jobs.
 *
 *   partition A completes (or a split piece starts) ─► none pending or waiting? idle slots?
 *     ─► flag the chosen B's job data (splitRequestedAt, splitWays) ─► B's host reads it with the
 *        control requests ─► B stops at an item boundary ─► split ending
 *        (src/runtime/split-ending.ts), driven by the splitter here: `splitPartition` proposes
 *        [shrunk, added], again on the biggest piece for each more way asked ─► B stores shrunk in
 *        its fenced state ─► jobs `<B>s<n>` are added ─► B requeues on `shrunk`
 *
 * Split pieces split again in turn (splits of splits) when slots free up later. The request lives
 * in the job's data, not with the operators' pause and cancel, so neither overwrites the other;
 * losing one (a withdrawal racing a new flag) costs balance, never an item. Only the partition
 * itself, under its lock, ever splits, and only once it has finished an item (see run.ts).
 */
import { Job } from 'bullmq';

import type { IterationJobDefinition } from '../define-job.js';
import type { JsonValue } from '../json.js';
import { describeNonJson, preview } from '../json.js';
import type { RunSplitter } from '../runtime/host.js';
import type { IterationState } from '../runtime/state.js';
import { PartitionSplitError } from './errors.js';
import type { FlowQueue, ParentOfRun, PartitionJob } from './flow.js';
import { addPartitionJob } from './flow.js';
import type { PartitionData } from './partition-data.js';
import { partitionData, partitionOf } from './partition-data.js';
import { MAX_SPLIT_WAYS } from './split-plan.js';

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
  runSlots?: number,
): Promise<void> {
  const own = partitionOf(job.data);
  if (own === undefined || state?.splits === undefined) return;
  const parent = parentOfPartition(queue, job, own);
  const slots = Math.max(own.runSlots ?? 0, runSlots ?? 0);
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
      ...(slots === 0 ? {} : { runSlots: slots }),
    };
    await addPartitionJob(queue, parent, data, split.jobId);
  }
}

/** The splitter of a partition job whose definition rebalances. */
export function partitionSplitter(definition: Definition, queue: FlowQueue): RunSplitter {
  // The run's slots, as the request being served says: its pieces inherit them.
  let runSlots: number | undefined;
  return {
    propose: async (job, state, params) => {
      const own = partitionOf(job.data)!;
      const fresh = partitionOf((await Job.fromId(queue, String(job.id)))?.data) ?? own;
      runSlots = fresh.runSlots;
      const split = async (partition: JsonValue, cursor: JsonValue | null) => {
        const proposal = await definition.splitPartition!({
          partition,
          cursor,
          params,
          job,
        } as never);
        return proposal === undefined ? undefined : checkProposal(proposal, definition.name, job);
      };
      return splitPieces(state.partition ?? own.value, state.cursor, fresh.splitWays ?? 1, split);
    },
    publish: (job, state) => addRecordedSplits(queue, job, state, runSlots),
    withdraw: async (job) => {
      // The run's slots stay: the partition hands them to the pieces of a later request.
      const { splitRequestedAt: _served, splitWays: _ways, ...own } = partitionOf(job.data)!;
      await job.updateData(partitionData(own));
    },
  };
}

/**
 * `ways` more pieces of a partition at `cursor`: [kept, ...added]. A splitter halves what is left,
 * so each further piece comes from halving the biggest piece so far (the kept one at the cursor,
 * an added one from its start), which makes `ways` pieces of about equal size when `ways + 1` is a
 * power of two and keeps the biggest under twice the even share otherwise. Undefined when nothing
 * could be split.
 */
export async function splitPieces(
  partition: JsonValue,
  cursor: JsonValue | null,
  ways: number,
  split: (
    partition: JsonValue,
    cursor: JsonValue | null,
  ) => Promise<[JsonValue, JsonValue] | undefined>,
): Promise<JsonValue[] | undefined> {
  const first = await split(partition, cursor);
  if (first === undefined) return undefined;
  // Shares of what is left, as halving estimates them; index 0 is the piece the partition keeps.
  const made = [
    { value: first[0], share: 0.5, whole: false },
    { value: first[1], share: 0.5, whole: false },
  ];
  while (made.length < Math.min(ways, MAX_SPLIT_WAYS) + 1) {
    let at = -1;
    for (let i = 0; i < made.length; i++) {
      if (!made[i]!.whole && (at === -1 || made[i]!.share > made[at]!.share)) at = i;
    }
    if (at === -1) break;
    const piece = made[at]!;
    const halves = await split(piece.value, at === 0 ? cursor : null);
    if (halves === undefined) {
      piece.whole = true;
      continue;
    }
    const share = piece.share / 2;
    made.splice(at, 1, { value: halves[0], share, whole: false });
    made.push({ value: halves[1], share, whole: false });
  }
  return made.map((p) => p.value);
}

/** The split request flagged on a partition job's data, as a run request (see request.ts). */
export function splitRequestOf(job: Job | undefined): string | undefined {
  const at = partitionOf(job?.data)?.splitRequestedAt;
  return at === undefined ? undefined : JSON.stringify({ action: 'split', requestedAt: at });
}

/**
 * Flags the target's job data: `ways` more pieces, for a run of `runSlots` slots. A request
 * already flagged for as many pieces or more (and as many slots) is left as it is; it splits at
 * its next item boundary.
 */
export async function requestSplit(
  target: PartitionJob,
  ways = 1,
  runSlots = 0,
  now = Date.now(),
): Promise<void> {
  const own = partitionOf(target.job?.data);
  if (own === undefined) return;
  const slots = Math.max(own.runSlots ?? 0, runSlots);
  const flagged = own.splitRequestedAt !== undefined && (own.splitWays ?? 1) >= ways;
  if (flagged && slots === (own.runSlots ?? 0)) return;
  const splitRequestedAt = own.splitRequestedAt ?? now;
  const splitWays = Math.max(ways, flagged ? (own.splitWays ?? 1) : 0);
  await target.job!.updateData(
    partitionData({
      ...own,
      splitRequestedAt,
      splitWays,
      ...(slots === 0 ? {} : { runSlots: slots }),
    }),
  );
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
