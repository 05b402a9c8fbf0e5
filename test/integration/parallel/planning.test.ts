// Planning is idempotent: the plan is stored before the first partition is added and partition
// ids are derived from the parent's, so a parent that dies while adding its partitions (or
// while planning) ends, on its next attempt, with exactly one set of partitions.
import { Job } from 'bullmq';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { getRun, PartitionPlanError } from '../../../src/index.js';
import { backends } from '../../support/backends.js';
import { eventually } from '../../support/iteration.js';
import { duplicates, range } from '../../support/jobs.js';
import { uniqueQueueName } from '../../support/names.js';
import { parallelCounter, spans, workers } from './support.js';

afterEach(() => vi.restoreAllMocks());

describe.each(backends)('planning a parallel run on $name', (b) => {
  async function completed(queue: ReturnType<typeof b.queue>, id: string) {
    return eventually(
      async () => {
        const run = await getRun(queue, id);
        return run.status === 'completed' ? run : undefined;
      },
      'the run to complete',
      40_000,
    );
  }

  it('a parent that dies after adding some partitions resumes with one set of them', async () => {
    const queueName = uniqueQueueName('parallel-plan');
    const queue = b.queue(queueName);
    // A plan that differs on every call: planning twice would show as a second set.
    let calls = 0;
    const c = parallelCounter({
      total: 200,
      partitions: [],
      defaultJobOptions: { attempts: 3, backoff: 0 },
    });
    const job = {
      ...c.job,
      definition: {
        ...c.job.definition,
        partitions: () => spans(200, calls++ === 0 ? 5 : 8),
      },
    };
    // The third partition the parent adds is where its process "dies": the attempt fails there.
    const create = Job.create.bind(Job);
    let added = 0;
    vi.spyOn(Job, 'create').mockImplementation((...args) => {
      if (++added === 3) return Promise.reject(new Error('connection lost while planning'));
      return create(...args);
    });
    const pool = workers(b, queueName, job as typeof c.job, 2);
    try {
      const parent = await c.job.enqueue(queue, {});
      const run = await completed(queue, parent.id!);
      expect(calls).toBe(1);
      expect(run.partitions).toHaveLength(5);
      expect(added).toBeGreaterThan(3);
      const jobs = await queue.getJobs(['completed', 'failed', 'active', 'waiting', 'delayed']);
      expect(jobs.map((j) => j.id).sort()).toEqual(
        [parent.id!, ...range(5).map((i) => `${parent.id}-p${i}`)].sort(),
      );
      expect(duplicates(c.seen)).toEqual([]);
      expect([...c.seen].sort((x, y) => x - y)).toEqual(range(200));
      expect(c.calls).toMatchObject({ start: 1, complete: 1 });
    } finally {
      await Promise.all(pool.map((w) => w.close()));
    }
  });

  it('a plan that is not an array of JSON values fails the run at once, naming the job and the fix', async () => {
    const queueName = uniqueQueueName('parallel-bad-plan');
    const queue = b.queue(queueName);
    const c = parallelCounter({ total: 10, partitions: [], defaultJobOptions: { attempts: 3 } });
    const job = {
      ...c.job,
      definition: { ...c.job.definition, partitions: () => ({ from: 0, to: 10 }) },
    };
    const pool = workers(b, queueName, job as unknown as typeof c.job, 1);
    try {
      const parent = await c.job.enqueue(queue, {});
      const failed = await eventually(async () => {
        // The state first: a job read before it failed has no failure reason yet.
        if ((await parent.getState()) !== 'failed') return undefined;
        return queue.getJob(parent.id!);
      }, 'the run to fail');
      expect(failed!.attemptsMade).toBe(1);
      expect(failed!.failedReason).toMatch(
        /parallel run "parallel-counter".*partitions\(\) returned \{"from":0,"to":10\}, not an array.*rangePartitions/,
      );
      expect(PartitionPlanError.name).toBe('PartitionPlanError');
    } finally {
      await Promise.all(pool.map((w) => w.close()));
    }
  });
});
