/**
 * Finding the partition jobs of a run, those rebalancing split off included, from any process and
 * without reading any partition's state: planned partitions have ids `<parent>-p<i>`, and the n-th
 * split of partition job `J` has id `Js<n>` (see partition-data.ts). A partition records split n
 * and adds its job before it makes split n + 1, and before it completes, so probing `Js1`, `Js2`…
 * up to the first missing id finds every split a finished partition made.
 */
import type { Job } from 'bullmq';

import { partitionJobId, splitJobId } from './partition-data.js';

/** A partition job found (or, for a planned one, looked for). */
export interface FoundPartitionJob {
  /** Index of the planned partition it is, or descends from. */
  readonly index: number;
  readonly jobId: string;
  readonly job: Job | undefined;
  readonly splitOf?: string;
}

/**
 * The planned partitions in plan order (with `job` undefined when not added yet), then their
 * splits, generation by generation. Costs one read per partition job, plus one miss for each
 * partition that exists.
 */
export async function findPartitionJobs(
  getJob: (id: string) => Promise<Job | undefined | null>,
  parentId: string,
  count: number,
): Promise<FoundPartitionJob[]> {
  const planned = await Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const jobId = partitionJobId(parentId, index);
      return { index, jobId, job: (await getJob(jobId)) ?? undefined };
    }),
  );
  const found: FoundPartitionJob[] = [...planned];
  let generation: FoundPartitionJob[] = planned.filter((p) => p.job !== undefined);
  while (generation.length > 0) {
    const next = (await Promise.all(generation.map((p) => splitsOf(getJob, p)))).flat();
    found.push(...next);
    generation = next;
  }
  return found;
}

async function splitsOf(
  getJob: (id: string) => Promise<Job | undefined | null>,
  of: FoundPartitionJob,
): Promise<FoundPartitionJob[]> {
  const splits: FoundPartitionJob[] = [];
  for (let n = 1; ; n++) {
    const jobId = splitJobId(of.jobId, n);
    const job = (await getJob(jobId)) ?? undefined;
    if (job === undefined) return splits;
    splits.push({ index: of.index, jobId, job, splitOf: of.jobId });
  }
}
