/**
 * How a partition job of a parallel run is told apart from its parent and from ordinary jobs: its
 * data wraps the run's params and says which partition it is. Its id is derived from the parent's
 * id and the partition's index, so adding it twice (a planning interrupted and resumed, two
 * finishing partitions racing) adds it once.
 */
import type { Job } from 'bullmq';

import type { JobRef } from '../backends/store.js';
import { partitionOf } from '../runtime/origin.js';

export type { PartitionData } from '../runtime/origin.js';
export { PARTITION_KEY, partitionData, partitionOf, splitJobId } from '../runtime/origin.js';

/**
 * The id of partition `index` of the run whose parent is `parentId`. BullMQ refuses `:` in custom
 * ids, hence the dash.
 */
export function partitionJobId(parentId: string, index: number): string {
  return `${parentId}-p${index}`;
}

/** The parent's ref of a partition job (same queue), or undefined for any other job. */
export function parentRefOf(job: Job): JobRef | undefined {
  const partition = partitionOf(job.data);
  return partition === undefined ? undefined : { queueName: job.queueName, id: partition.run };
}
