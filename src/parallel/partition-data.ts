/**
 * How a partition job of a parallel run is told apart from its parent and from ordinary jobs: its
 * data wraps the run's params and says which partition it is. Its id is derived from the parent's
 * id and the partition's index, so adding it twice (a planning interrupted and resumed, two
 * finishing partitions racing) adds it once.
 */
import type { Job } from 'bullmq';

import type { JobRef } from '../backends/store.js';
import type { JsonValue } from '../json.js';

/** The key of a partition job's data; everything else sits under it. */
export const PARTITION_KEY = '$bullmqIterationPartition';

/** What a partition job's data carries under {@link PARTITION_KEY}. */
export interface PartitionData {
  /** Id of the run's parent job. */
  readonly run: string;
  /**
   * Position of the partition in the plan, from 0; for a partition made by a rebalancing split,
   * that of the planned partition it descends from.
   */
  readonly index: number;
  /** How many partitions the plan has. */
  readonly count: number;
  /** The partition itself: one element of what `partitions()` returned. */
  readonly value: JsonValue;
  /** The run's params (the parent's data), untouched. */
  readonly params: unknown;
  /** Set on a partition made by a rebalancing split: the job id of the partition it came from. */
  readonly splitOf?: string;
  /**
   * Set while the run asks this partition to split (epoch ms of the request); the partition
   * withdraws it once served. Kept in the job's data because operators never write there.
   */
  readonly splitRequestedAt?: number;
}

/** The partition a job's data describes, or undefined for a parent or an ordinary job. */
export function partitionOf(data: unknown): PartitionData | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const inner = (data as Record<string, unknown>)[PARTITION_KEY] as Partial<PartitionData> | null;
  if (typeof inner !== 'object' || inner === null) return undefined;
  return typeof inner.run === 'string' && typeof inner.index === 'number'
    ? (inner as PartitionData)
    : undefined;
}

export function partitionData(partition: PartitionData): Record<string, PartitionData> {
  return { [PARTITION_KEY]: partition };
}

/**
 * The id of partition `index` of the run whose parent is `parentId`. BullMQ refuses `:` in custom
 * ids, hence the dash.
 */
export function partitionJobId(parentId: string, index: number): string {
  return `${parentId}-p${index}`;
}

/**
 * The id of the `n`-th partition (from 1) split off partition job `jobId` by rebalancing: one
 * sequence per partition, counted in its own fenced state, so concurrent splits never collide.
 */
export function splitJobId(jobId: string, n: number): string {
  return `${jobId}s${n}`;
}

/** The parent's ref of a partition job (same queue), or undefined for any other job. */
export function parentRefOf(job: Job): JobRef | undefined {
  const partition = partitionOf(job.data);
  return partition === undefined ? undefined : { queueName: job.queueName, id: partition.run };
}
