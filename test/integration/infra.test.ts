// Proves the test infrastructure itself: every backend is up and migrated, BullMQ processes a job
// on each, helper objects are cleaned up, and a worker left open is caught.
import { type Job, Worker } from 'bullmq';
import { describe, expect, it } from 'vitest';

import {
  backendByName,
  backends,
  type BackendUnderTest,
  clusterBackend,
} from '../support/backends.js';
import { isTracked, ResourceRegistry, testResources } from '../support/lifecycle.js';
import { uniqueQueueName } from '../support/names.js';

describe('redis-cluster', () => {
  it('has three masters sharing every slot, cluster_state ok', async () => {
    const info = (await clusterBackend.redis().cluster('INFO')) as string;
    expect(info).toMatch(/cluster_state:ok/);
    expect(info).toMatch(/cluster_size:3\r?\n/);
    expect(info).toMatch(/cluster_slots_ok:16384/);
  });
});

describe.each(backends)('$name', (b) => {
  it('is reachable, with BullMQ ready to use', async () => {
    if (b.name === 'redis') {
      expect(await b.redis().ping()).toBe('PONG');
    } else {
      const { rows } = await b.sql<{ migrated: boolean }>(
        "SELECT to_regclass('bullmq.job') IS NOT NULL AS migrated",
      );
      expect(rows).toEqual([{ migrated: true }]);
    }
  });

  it('completes a job with a BullMQ Worker', async () => {
    const queue = b.queue<{ n: number }, number>(uniqueQueueName('infra-complete'));
    const worker = b.worker<{ n: number }, number>(queue.name, async (job) => job.data.n * 2);
    try {
      const completed = new Promise<{ job: Job; result: number }>((resolve, reject) => {
        worker.on('completed', (job, result) => resolve({ job, result }));
        worker.on('failed', (_job, error) => reject(error));
      });
      const added = await queue.add('double', { n: 21 });
      const { job, result } = await completed;
      expect(job.id).toBe(added.id);
      expect(result).toBe(42);
      expect(await storedState(b, queue.name, String(added.id))).toBe('completed');
    } finally {
      await worker.close();
    }
  });

  it('reports a finished job through QueueEvents', async () => {
    const queue = b.queue<{ n: number }, number>(uniqueQueueName('infra-events'));
    const events = b.queueEvents(queue.name);
    await events.waitUntilReady();
    const worker = b.worker<{ n: number }, number>(queue.name, async (job) => job.data.n + 1);
    try {
      const job = await queue.add('increment', { n: 1 });
      expect(await job.waitUntilFinished(events, 20_000)).toBe(2);
    } finally {
      await worker.close();
    }
  });

  it('obliterates and closes helper queues when the test is released', async () => {
    const queue = b.queue(uniqueQueueName('infra-cleanup'));
    const job = await queue.add('left-behind', { n: 1 });
    expect(await storedState(b, queue.name, String(job.id))).toBe('waiting');

    expect(await testResources.release()).toEqual([]);

    expect(queue.closing).toBeDefined();
    expect(await storedState(b, queue.name, String(job.id))).toBeUndefined();
  });
});

describe('leak detector', () => {
  const redis = backendByName('redis');

  it('force-closes a worker left open and reports it by name', async () => {
    const name = uniqueQueueName('infra-leak');
    const worker = redis.worker(name, async () => {});
    const registry = new ResourceRegistry('test');
    registry.track(worker);

    expect(await registry.release()).toEqual([
      `test left worker ${name} open; close it in the test`,
    ]);
    expect(worker.closing).toBeDefined();
    expect(registry.size).toBe(0);
  });

  it('says nothing about a worker the test closed', async () => {
    const worker = redis.worker(uniqueQueueName('infra-closed'), async () => {});
    const registry = new ResourceRegistry('test');
    registry.track(worker);
    await worker.close();

    expect(await registry.release()).toEqual([]);
  });

  it('tracks a BullMQ Worker the test never tracked once it runs', async () => {
    const worker = new Worker(uniqueQueueName('infra-untracked'), async () => {}, {
      connection: redis.connection,
    });
    try {
      expect(isTracked(worker)).toBe(true);
    } finally {
      await worker.close();
    }
  });
});

/** The job's state as the backend stores it, read around BullMQ; undefined when it is gone. */
async function storedState(
  b: BackendUnderTest,
  queueName: string,
  jobId: string,
): Promise<string | undefined> {
  if (b.name === 'redis') {
    const client = b.redis();
    const key = `bull:${queueName}:${jobId}`;
    if (!(await client.exists(key))) return undefined;
    if ((await client.lpos(`bull:${queueName}:wait`, jobId)) !== null) return 'waiting';
    if ((await client.zscore(`bull:${queueName}:completed`, jobId)) !== null) return 'completed';
    return 'other';
  }
  const { rows } = await b.sql<{ state: string }>(
    'SELECT state FROM job WHERE queue = $1 AND id = $2',
    [queueName, jobId],
  );
  return rows[0]?.state;
}
