/**
 * The status of a parallel run, read from any process: the parent's own info folded with its
 * partitions' (processed and total summed, rate summed over running partitions, the ETA from
 * both), and one line per partition. Partitions inherit the run's pause or cancel request in
 * their status, since that is the request they obey.
 */
import type { Job } from 'bullmq';

import type { JsonValue } from '../json.js';
import type { PartitionFigures } from '../parallel/aggregate.js';
import { sumFigures } from '../parallel/aggregate.js';
import { partitionOf } from '../parallel/partition-data.js';
import type { FoundPartitionJob } from '../parallel/split-jobs.js';
import { findPartitionJobs } from '../parallel/split-jobs.js';
import type { ControlRequest } from '../runtime/control-request.js';

/** One partition of a parallel run, in `getRun(queue, parentId).partitions`. */
export interface PartitionRunInfo<Status extends string = string> {
  /**
   * Position in the plan, from 0; for a partition split off by rebalancing, that of the planned
   * partition it descends from (its `jobId` tells them apart).
   */
  readonly index: number;
  /**
   * The partition's own job id: `<parentId>-p<index>`, and `<id of the partition it came from>s<n>`
   * for the n-th split of a partition.
   */
  readonly jobId: string;
  /**
   * The partition, as `partitions()` planned it or, for a split-off one, as the split made it. A
   * partition that gave its tail away keeps its planned value here; it now stops at the split.
   */
  readonly partition: JsonValue;
  /** Set on a partition split off by rebalancing: the job id of the partition it came from. */
  readonly splitOf?: string;
  /** The partition's status; `pending` while `maxConcurrentPartitions` holds it back. */
  readonly status: Status | 'pending';
  readonly processed: number;
  readonly total: number | undefined;
  readonly cursor: JsonValue | null;
  readonly itemsPerSecond: number | undefined;
  readonly attemptsMade: number;
  readonly lastError: string | undefined;
}

/** The fields of a run's info the fold reads and replaces. */
interface FoldableInfo {
  readonly jobId: string;
  readonly status: string;
  readonly control: ControlRequest | undefined;
  readonly cursor: JsonValue | null;
  readonly processed: number;
  readonly total: number | undefined;
  readonly percentage: number | undefined;
  readonly itemsPerSecond: number | undefined;
  readonly etaMs: number | undefined;
  readonly timesInterrupted: number;
  readonly timesThrottled: number;
  readonly throttledMs: number;
  readonly skipped: number;
  readonly totalTimeMs: number;
  readonly attemptsMade: number;
  readonly lastError: string | undefined;
  readonly rate?: unknown;
}

const FINAL = new Set(['completed', 'cancelled', 'failed']);
const ACTIVE = new Set(['running', 'pausing', 'cancelling']);
/** When no partition runs, the run shows the first of these that a partition has. */
const WAITING_ORDER = [
  'stale',
  'retrying',
  'recovering',
  'throttled',
  'interrupted',
  'unknown-job',
  'waiting-for-version',
];

export async function foldPartitions<Info extends FoldableInfo>(
  queue: { getJob(id: string): Promise<Job | undefined> },
  parent: Info,
  plan: readonly JsonValue[],
  describe: (job: Job) => Promise<Info>,
): Promise<Info & { readonly partitions: readonly PartitionRunInfo<Info['status']>[] }> {
  const found = await findPartitionJobs((id) => queue.getJob(id), parent.jobId, plan.length);
  const children = await Promise.all(
    found.map((p) => (p.job === undefined ? undefined : describe(p.job))),
  );
  const control = parent.control;
  const partitions = children.map((child, i) => partitionInfo(plan, found[i]!, child, control));
  const figures = sumFigures(children.map(figuresOfInfo));
  const status = runStatus(
    parent.status,
    control,
    partitions.map((p) => p.status),
  );
  const running = ACTIVE.has(status);
  return {
    ...parent,
    status,
    cursor: null,
    processed: figures.processed,
    total: figures.total,
    percentage: status === 'completed' ? 100 : figures.percentage,
    itemsPerSecond: running ? figures.itemsPerSecond : undefined,
    etaMs: running ? figures.etaMs : undefined,
    timesInterrupted: figures.timesInterrupted,
    timesThrottled: figures.timesThrottled,
    throttledMs: figures.throttledMs,
    skipped: figures.skipped,
    totalTimeMs: figures.totalTimeMs,
    // The run's limit: its own settings or options, else what its partitions' workers apply.
    rate: parent.rate ?? children.find((child) => child?.rate !== undefined)?.rate,
    partitions,
  };
}

function partitionInfo<Info extends FoldableInfo>(
  plan: readonly JsonValue[],
  found: FoundPartitionJob,
  child: Info | undefined,
  control: ControlRequest | undefined,
): PartitionRunInfo<Info['status']> {
  const { index, splitOf } = found;
  return {
    index,
    jobId: child?.jobId ?? '',
    partition: splitOf === undefined ? plan[index]! : partitionOf(found.job?.data)!.value,
    ...(splitOf === undefined ? {} : { splitOf }),
    status: child === undefined ? 'pending' : inherited(child, control),
    processed: child?.processed ?? 0,
    total: child?.total,
    cursor: child?.cursor ?? null,
    itemsPerSecond: child?.itemsPerSecond,
    attemptsMade: child?.attemptsMade ?? 0,
    lastError: child?.lastError,
  };
}

/** A partition without a request of its own shows the run's. */
function inherited(child: FoldableInfo, control: ControlRequest | undefined): string {
  if (control === undefined || child.control !== undefined || FINAL.has(child.status)) {
    return child.status;
  }
  if (control.action === 'cancel') return 'cancelling';
  if (child.status === 'running') return 'pausing';
  // A delayed partition under the run's pause is parked.
  return child.status === 'interrupted' ? 'paused' : child.status;
}

/** @internal Exported for tests: the run's status from its parent's, its request and its partitions'. */
export function runStatus(parent: string, control: ControlRequest | undefined, statuses: string[]) {
  if (FINAL.has(parent) || parent === 'running' || parent === 'stale') return parent;
  if (control?.action === 'cancel') return 'cancelling';
  const someActive = statuses.some((s) => ACTIVE.has(s));
  if (control?.action === 'pause') {
    // Paused once every partition is parked or finished. A stale one is still active for BullMQ
    // (its worker died, or it is being parked); a waiting one parks itself when a worker takes it.
    const unparked = someActive || statuses.some((s) => s === 'stale' || s === 'waiting');
    return unparked ? 'pausing' : 'paused';
  }
  if (someActive) return 'running';
  return WAITING_ORDER.find((s) => statuses.includes(s)) ?? 'waiting';
}

function figuresOfInfo(info: FoldableInfo | undefined): PartitionFigures | undefined {
  if (info === undefined) return undefined;
  const finished = FINAL.has(info.status);
  return {
    processed: info.processed,
    total: info.status === 'completed' ? info.processed : info.total,
    finished,
    itemsPerSecond: finished ? undefined : info.itemsPerSecond,
    timesInterrupted: info.timesInterrupted,
    timesThrottled: info.timesThrottled,
    throttledMs: info.throttledMs,
    skipped: info.skipped,
    totalTimeMs: info.totalTimeMs,
  };
}
