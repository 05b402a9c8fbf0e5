// Pause, resume and cancel from another client than the worker's, on every backend, and the
// status those requests leave behind.
import { describe, expect, it } from 'vitest';

import {
  cancelRun,
  getRun,
  type IterationRunInfo,
  listRuns,
  pauseRun,
  resumeRun,
  RunControlError,
} from '../../../src/index.js';
import { withCluster } from '../../support/backends.js';
import {
  completion,
  eventually,
  iterationWorker,
  nextEvent,
  sleep,
  storedState,
} from '../../support/iteration.js';
import { counter, duplicates, range } from '../../support/jobs.js';
import { uniqueQueueName } from '../../support/names.js';

const fast = { controlPollIntervalMs: 100, progressIntervalMs: 100 };

describe.each(withCluster)('run control on $name', (b) => {
  it('pause parks a running job without holding its slot; resume continues from the cursor', async () => {
    const queueName = uniqueQueueName('pause');
    const queue = b.queue(queueName);
    // Another client than the worker's, as an operator's process would be.
    const operator = b.queue(queueName);
    const calls: string[] = [];
    const c = counter({
      total: 400,
      stepMs: 2,
      size: 400,
      onStart: () => void calls.push('start'),
      onResume: () => void calls.push('resume'),
      onShutdown: () => void calls.push('shutdown'),
      onComplete: () => void calls.push('complete'),
    });
    const other = counter({ total: 5 });
    const otherJob = { ...other.job, name: 'other' };
    const worker = iterationWorker(b, queueName, [c.job, defineOther(other)], {
      ...fast,
      concurrency: 1,
    });
    try {
      const started = nextEvent(worker, 'iteration.started');
      const job = await c.job.enqueue(queue, {});
      await started;
      await sleep(150);
      const paused = nextEvent<{ reason?: string; processed: number }>(worker, 'iteration.paused');
      const requested = await pauseRun(operator, job.id!, { reason: 'maintenance' });
      expect(['pausing', 'paused']).toContain(requested.status);
      expect(requested.control).toMatchObject({ action: 'pause', reason: 'maintenance' });
      expect((await paused).reason).toBe('maintenance');

      const run = await eventually(async () => {
        const r = await getRun(operator, job.id!);
        return r.status === 'paused' ? r : undefined;
      }, 'the job to be parked');
      expect(run.bullState).toBe('delayed');
      expect(run.processed).toBe(c.seen.length);
      expect(await storedState(b, queueName, job.id!)).toMatchObject({ cursor: c.seen.at(-1) });
      // The worker's only slot is free: another job runs while this one is parked.
      const second = await operator.add(otherJob.name, {});
      await completion(worker, second.id!);
      expect(c.seen.length).toBe(run.processed);

      const resumed = await resumeRun(operator, job.id!);
      expect(['waiting', 'running']).toContain(resumed.status);
      expect(resumed.control).toBeUndefined();
      const result = await completion(worker, job.id!);
      expect(result).toMatchObject({ outcome: 'completed', processed: 400 });
      expect(c.seen).toEqual(range(400));
      expect(calls).toEqual(['start', 'shutdown', 'resume', 'complete', 'shutdown']);
      expect((await getRun(operator, job.id!)).status).toBe('completed');
    } finally {
      await worker.close();
    }
  });

  it('cancel ends a running job as cancelled: onShutdown, no onComplete, no failure, cursor kept', async () => {
    const queueName = uniqueQueueName('cancel');
    const queue = b.queue(queueName);
    const calls: string[] = [];
    const c = counter({
      total: 10_000,
      stepMs: 2,
      onShutdown: () => void calls.push('shutdown'),
      onComplete: () => void calls.push('complete'),
    });
    const worker = iterationWorker(b, queueName, [c.job], fast);
    let failed = 0;
    worker.on('failed', () => failed++);
    try {
      const started = nextEvent(worker, 'iteration.started');
      const job = await c.job.enqueue(queue, {}, { attempts: 3 });
      await started;
      await sleep(100);
      const done = completion(worker, job.id!);
      await cancelRun(b.queue(queueName), job.id!, { reason: 'wrong segment' });
      const result = await done;
      expect(result).toMatchObject({ outcome: 'cancelled', stoppedEarly: true });
      expect(calls).toEqual(['shutdown']);
      expect(failed).toBe(0);
      const run = await getRun(queue, job.id!);
      expect(run).toMatchObject({ status: 'cancelled', bullState: 'completed' });
      expect(run.processed).toBe(c.seen.length);
      expect(run.processed).toBeLessThan(10_000);
      const state = await storedState(b, queueName, job.id!);
      expect(state?.cursor).toBe(c.seen.at(-1));
      expect(state?.cancelled).toMatchObject({ reason: 'wrong segment' });
      expect((await queue.getJob(job.id!))!.progress).toMatchObject({ status: 'cancelled' });
    } finally {
      await worker.close();
    }
  });

  it('a pause made while the job waits parks it before it starts; cancel then ends it', async () => {
    const queueName = uniqueQueueName('pause-waiting');
    const queue = b.queue(queueName);
    const calls: string[] = [];
    const c = counter({ total: 10, onStart: () => void calls.push('start') });
    const job = await c.job.enqueue(queue, {});
    expect((await pauseRun(queue, job.id!)).status).toBe('pausing');
    const worker = iterationWorker(b, queueName, [c.job], fast);
    try {
      await eventually(async () => {
        const r = await getRun(queue, job.id!);
        return r.status === 'paused' ? r : undefined;
      }, 'the waiting job to park');
      expect(calls).toEqual([]);
      expect(c.seen).toEqual([]);
      // Cancelling a parked job wakes it so that a worker ends it.
      const done = completion(worker, job.id!);
      await cancelRun(queue, job.id!);
      expect(await done).toMatchObject({ outcome: 'cancelled', processed: 0 });
      expect(calls).toEqual([]);
      expect((await getRun(queue, job.id!)).status).toBe('cancelled');
    } finally {
      await worker.close();
    }
  });

  it('a pause made while the job is delayed parks it at once, without a worker', async () => {
    const queueName = uniqueQueueName('pause-delayed');
    const queue = b.queue(queueName);
    const c = counter({ total: 3 });
    const job = await c.job.enqueue(queue, {}, { delay: 60_000 });
    const paused = await pauseRun(queue, job.id!);
    expect(paused.status).toBe('paused');
    const due = (await queue.getJob(job.id!))!;
    expect(due.timestamp + due.delay).toBeGreaterThan(Date.now() + 300 * 24 * 3600 * 1000);
    await resumeRun(queue, job.id!);
    expect(['waiting', 'prioritized']).toContain(await due.getState());
  });

  it('refuses requests for missing, finished or unpaused jobs with clear errors', async () => {
    const queueName = uniqueQueueName('control-errors');
    const queue = b.queue(queueName);
    const c = counter({ total: 2 });
    await expect(pauseRun(queue, 'nope')).rejects.toThrow(
      new RunControlError(
        `No job with id "nope" in queue "${queueName}". List the runs of the queue (\`bullmq-iteration status\`, or listRuns(queue)) to find the id.`,
        { code: 'not-found', jobId: 'nope', queueName },
      ),
    );
    const job = await c.job.enqueue(queue, {});
    await expect(resumeRun(queue, job.id!)).rejects.toMatchObject({
      code: 'not-paused',
      message: expect.stringContaining('is not paused; there is nothing to resume'),
    });
    const worker = iterationWorker(b, queueName, [c.job], fast);
    try {
      await completion(worker, job.id!);
    } finally {
      await worker.close();
    }
    await expect(cancelRun(queue, job.id!)).rejects.toMatchObject({
      code: 'finished',
      message: `Job "${job.id}" of queue "${queueName}" has already completed; there is nothing to cancel.`,
    });
  });

  it('status shows rate, ETA and percentage while running, and lists the runs of a queue', async () => {
    const queueName = uniqueQueueName('status');
    const queue = b.queue(queueName);
    const c = counter({ total: 3_000, stepMs: 1, size: 3_000 });
    const worker = iterationWorker(b, queueName, [c.job], fast);
    try {
      const job = await c.job.enqueue(queue, {});
      const waiting = await queue.add('counter', {}, { delay: 60_000 });
      const running = await eventually(async () => {
        const r = await getRun(queue, job.id!);
        return r.itemsPerSecond !== undefined && r.processed > 0 ? r : undefined;
      }, 'a rate to be published');
      expect(running.status).toBe('running');
      expect(running.total).toBe(3_000);
      expect(running.percentage).toBeGreaterThan(0);
      expect(running.percentage).toBeLessThan(100);
      expect(running.itemsPerSecond).toBeGreaterThan(0);
      expect(running.etaMs).toBeGreaterThan(0);
      const runs = await listRuns(queue, { names: ['counter'] });
      const byId = new Map<string, IterationRunInfo>(runs.map((r) => [r.jobId, r]));
      expect(byId.get(job.id!)?.status).toBe('running');
      expect(byId.get(waiting.id!)?.status).toBe('interrupted');
      await cancelRun(queue, waiting.id!);
      await completion(worker, job.id!);
      expect(duplicates(c.seen)).toEqual([]);
    } finally {
      await worker.close();
    }
  });
});

function defineOther(other: ReturnType<typeof counter>) {
  return { ...other.job, name: 'other', definition: { ...other.job.definition, name: 'other' } };
}
