/** What the control and status functions need of a queue: BullMQ's `Queue`, on either backend. */
import type { Job, JobState, QueueBase } from 'bullmq';
import { RedisQueueBackend } from 'bullmq';

import { checkpointStoreFor } from '../backends/for-backend.js';
import { isRedisCluster, requireQualifiedOneSlot } from '../backends/redis-cluster.js';
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

/**
 * Refuses a queue on a Redis Cluster whose keys would spread over hash slots, before BullMQ's
 * first multi-key script fails with CROSSSLOT.
 */
export async function requireUsableQueue(queue: ControlQueue, owner: string): Promise<void> {
  const backend = queue.getBackend();
  if (backend instanceof RedisQueueBackend && isRedisCluster(await backend.client)) {
    requireQualifiedOneSlot(backend.qualifiedName, `${owner} on queue "${queue.name}"`);
  }
}

export async function findJob(queue: ControlQueue, jobId: string): Promise<Job> {
  await requireUsableQueue(queue, 'bullmq-iteration');
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
