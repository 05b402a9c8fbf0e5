/** What the control and status functions need of a queue: BullMQ's `Queue`, on either backend. */
import type { Job, JobState, QueueBase } from 'bullmq';

import { checkpointStoreFor } from '../backends/for-backend.js';
import type { CheckpointStore } from '../backends/store.js';
import { RunControlError } from '../errors.js';

export type ControlQueue = Pick<QueueBase, 'name' | 'getBackend'> & {
  getJob(jobId: string): Promise<Job | undefined>;
  getJobs(types: JobState[], start?: number, end?: number): Promise<Job[]>;
};

const stores = new WeakMap<object, CheckpointStore>();

export function storeOf(queue: ControlQueue): CheckpointStore {
  const backend = queue.getBackend();
  let store = stores.get(backend);
  if (store === undefined) {
    store = checkpointStoreFor(backend);
    stores.set(backend, store);
  }
  return store;
}

export async function findJob(queue: ControlQueue, jobId: string): Promise<Job> {
  const job = await queue.getJob(jobId);
  if (job === undefined || job === null) {
    throw new RunControlError(
      `No job with id "${jobId}" in queue "${queue.name}". List the runs of the queue ` +
        '(`bullmq-iteration status`, or listRuns(queue)) to find the id.',
      { code: 'not-found', jobId, queueName: queue.name },
    );
  }
  return job;
}
