/**
 * Pause, resume and cancel of a parallel run act on its parent: the request is stored there once,
 * and every partition obeys it (a partition reads its run's request beside its own; see
 * src/parallel/partition-job.ts), including partitions added later. What cannot wait for a
 * partition to look is done here: partitions sleeping in BullMQ's delayed set are parked (pause)
 * or woken (resume, cancel), as `pauseRun` does for a single job.
 */
import type { Job } from 'bullmq';

import { findPartitionJobs } from '../parallel/split-jobs.js';
import { readStoredState } from './status.js';
import type { ControlQueue } from './target.js';
import { storeOf } from './target.js';

/** The partition jobs added so far to run `jobId` (splits included); empty for a job that is not a parallel run. */
export async function partitionJobs(queue: ControlQueue, jobId: string): Promise<Job[]> {
  const state = readStoredState(await storeOf(queue).load({ queueName: queue.name, id: jobId }));
  const plan = state?.parallel?.plan;
  if (plan === undefined) return [];
  const found = await findPartitionJobs((id) => queue.getJob(id), jobId, plan.length);
  return found.flatMap((p) => (p.job === undefined ? [] : [p.job]));
}

/** Applies `move` to every delayed partition of run `jobId` (a lost race is fine). */
export async function moveDelayedPartitions(
  queue: ControlQueue,
  jobId: string,
  move: (job: Job) => Promise<unknown>,
): Promise<void> {
  for (const job of await partitionJobs(queue, jobId)) {
    if ((await job.getState()) !== 'delayed') continue;
    try {
      await move(job);
    } catch {
      // The partition moved on by itself; the run's stored request still reaches it.
    }
  }
}
