// What the console builds on, from code, on every backend (and the Redis Cluster): tags given at
// enqueue and the tags filter; the audit trail of each control action; retryRun; pages of runs
// filtered on the server; bulk actions by query; waitForRun.
import { describe, expect, it } from 'vitest';

import {
  cancelRun,
  controlRuns,
  defineIterationJob,
  getRun,
  listRuns,
  pageRuns,
  pauseRun,
  previewBulk,
  resumeRun,
  retryRun,
  RunControlError,
  RunFailedError,
  RunWaitTimeoutError,
  waitForRun,
} from '../../../src/index.js';
import { withCluster } from '../../support/backends.js';
import { completion, eventually, iterationWorker, nextEvent } from '../../support/iteration.js';
import { counter } from '../../support/jobs.js';
import { uniqueQueueName } from '../../support/names.js';

const fast = { controlPollIntervalMs: 100, progressIntervalMs: 100 };

/** Fails at item 2 until `healed` is set; the retry resumes there. */
function flaky(healed: { value: boolean }) {
  return defineIterationJob({
    name: 'flaky',
    buildEnumerator: ({ cursor }: { cursor: number | null }) => {
      const pairs = [0, 1, 2, 3].filter((n) => cursor === null || n > cursor);
      return pairs.map((n) => [n, n] as const).values();
    },
    eachIteration(n: number) {
      if (n === 2 && !healed.value) throw new Error('item 2 is poison');
    },
  });
}

describe.each(withCluster)('console control on $name', (b) => {
  it('stores tags at enqueue, shows them on getRun and listRuns, and filters by them', async () => {
    const queue = b.queue(uniqueQueueName('tags'));
    const c = counter({ total: 3 });
    const a = await c.job.enqueue(queue, {}, { tags: { shard: 'db-3', region: 'eu' } });
    const other = await c.job.enqueue(queue, {}, { tags: { shard: 'db-4' } });
    await c.job.enqueue(queue, {});
    expect((await getRun(queue, a.id!)).tags).toEqual({ shard: 'db-3', region: 'eu' });
    expect((await getRun(queue, other.id!)).tags).toEqual({ shard: 'db-4' });
    const db3 = await listRuns(queue, { tags: { shard: 'db-3' } });
    expect(db3.map((run) => run.jobId)).toEqual([a.id]);
    await expect(c.job.enqueue(queue, {}, { tags: { shard: 3 as never } })).rejects.toThrow(
      /tag "shard" must be a string/,
    );
  });

  it('records who paused, resumed and cancelled a run, when and why', async () => {
    const queueName = uniqueQueueName('audit');
    const queue = b.queue(queueName);
    const c = counter({ total: 100_000, stepMs: 2 });
    const worker = iterationWorker(b, queueName, [c.job], fast);
    try {
      const started = nextEvent(worker, 'iteration.started');
      const job = await c.job.enqueue(queue, {}, { startedBy: 'ada' });
      await started;
      const before = Date.now();
      await pauseRun(queue, job.id!, { actor: 'grace', reason: 'replica rebuild' });
      await eventually(
        async () => ((await getRun(queue, job.id!)).status === 'paused' ? true : undefined),
        'paused',
      );
      await resumeRun(queue, job.id!, { actor: 'grace', via: 'console' });
      await cancelRun(queue, job.id!, { reason: 'not needed' });
      await completion(worker, job.id!);
      const { audit } = await getRun(queue, job.id!);
      expect(audit.map((entry) => [entry.action, entry.actor, entry.via, entry.reason])).toEqual([
        ['start', 'ada', 'api', undefined],
        ['pause', 'grace', 'api', 'replica rebuild'],
        ['resume', 'grace', 'console', undefined],
        // No actor given: the process's user and host.
        ['cancel', expect.stringMatching(/^.+@.+$/), 'api', 'not needed'],
      ]);
      expect(audit[1]!.at).toBeGreaterThanOrEqual(before);
    } finally {
      await worker.close();
    }
  });

  it('retries a failed run at its cursor and records it', async () => {
    const queueName = uniqueQueueName('retry');
    const queue = b.queue(queueName);
    const healed = { value: false };
    const job = flaky(healed);
    const worker = iterationWorker(b, queueName, [job], fast);
    try {
      const added = await job.enqueue(queue, {});
      await expect(completion(worker, added.id!)).rejects.toThrow('item 2 is poison');
      await expect(waitForRun(queue, added.id!)).rejects.toThrow(RunFailedError);
      healed.value = true;
      const before = await retryRun(queue, added.id!, { actor: 'ada', reason: 'fixed' });
      expect(before).toMatchObject({ status: 'failed', cursor: 1, processed: 2 });
      const done = await waitForRun(queue, added.id!, { timeoutMs: 30_000 });
      expect(done.outcome).toBe('completed');
      expect(done.summary).toMatchObject({ outcome: 'completed', processed: 4 });
      const { audit } = await getRun(queue, added.id!);
      expect(audit).toEqual([
        expect.objectContaining({ action: 'retry', actor: 'ada', reason: 'fixed' }),
      ]);
      await expect(retryRun(queue, added.id!)).rejects.toMatchObject({ code: 'not-failed' });
    } finally {
      await worker.close();
    }
  });

  it('pages runs and filters them by status, name and tags on the server', async () => {
    const queueName = uniqueQueueName('pages');
    const queue = b.queue(queueName);
    const c = counter({ total: 2 });
    const d = { ...counter({ total: 2 }).job, name: 'other' };
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      ids.push((await c.job.enqueue(queue, {}, { tags: { batch: i < 3 ? 'a' : 'b' } })).id!);
    }
    const otherJob = await queue.add('other', {});
    const first = await pageRuns(queue, { limit: 3, names: ['counter', 'other'] });
    expect(first.total).toBe(8);
    // Waiting runs, newest first.
    expect(first.runs.map((run) => run.jobId)).toEqual([otherJob.id, ids[6], ids[5]]);
    const second = await pageRuns(queue, { offset: 3, limit: 3 });
    expect(second.runs.map((run) => run.jobId)).toEqual([ids[4], ids[3], ids[2]]);
    expect(first.names).toEqual({ counter: 7, other: 1 });
    const tagged = await pageRuns(queue, { tags: { batch: 'a' } });
    expect(tagged.runs.map((run) => run.jobId)).toEqual([ids[2], ids[1], ids[0]]);
    expect((await pageRuns(queue, { name: 'other' })).total).toBe(1);
    await pauseRun(queue, ids[0]!);
    const paused = await pageRuns(queue, { status: 'pausing' });
    expect(paused.runs.map((run) => [run.jobId, run.status])).toEqual([[ids[0], 'pausing']]);
    expect(d.name).toBe('other');
  });

  it('bulk-pauses and resumes the runs of a tag, with a preview first', async () => {
    const queue = b.queue(uniqueQueueName('bulk'));
    const c = counter({ total: 2 });
    const db3 = [];
    for (let i = 0; i < 3; i++)
      db3.push((await c.job.enqueue(queue, {}, { tags: { shard: 'db-3' } })).id!);
    const db4 = (await c.job.enqueue(queue, {}, { tags: { shard: 'db-4' } })).id!;
    await cancelRun(queue, db3[0]!);
    const preview = await previewBulk(queue, 'pause', { tags: { shard: 'db-3' } });
    expect(preview).toMatchObject({ matched: 3, actionable: 2 });
    const paused = await controlRuns(
      queue,
      'pause',
      { tags: { shard: 'db-3' } },
      {
        actor: 'ada',
        reason: 'db-3 failover',
      },
    );
    expect([...paused.changed].sort()).toEqual([db3[1], db3[2]].sort());
    expect((await getRun(queue, db4)).control).toBeUndefined();
    expect((await getRun(queue, db3[1]!)).audit.at(-1)).toMatchObject({
      action: 'pause',
      actor: 'ada',
      reason: 'db-3 failover',
    });
    const resumed = await controlRuns(queue, 'resume', { tags: { shard: 'db-3' } });
    expect(resumed.changed).toHaveLength(2);
    await expect(controlRuns(queue, 'cancel', {})).rejects.toThrow(/needs a query/);
  });

  it('waitForRun resolves with the summary, times out, and stops on abort', async () => {
    const queueName = uniqueQueueName('wait');
    const queue = b.queue(queueName);
    const c = counter({ total: 5 });
    const job = await c.job.enqueue(queue, {});
    await expect(waitForRun(queue, job.id!, { timeoutMs: 300 })).rejects.toBeInstanceOf(
      RunWaitTimeoutError,
    );
    const controller = new AbortController();
    const aborted = waitForRun(queue, job.id!, { signal: controller.signal });
    controller.abort(new Error('gave up'));
    await expect(aborted).rejects.toThrow('gave up');
    const worker = iterationWorker(b, queueName, [c.job], fast);
    try {
      const done = await waitForRun(queue, job.id!, { timeoutMs: 30_000 });
      expect(done).toMatchObject({ outcome: 'completed', summary: { processed: 5 } });
      expect(done.run.status).toBe('completed');
    } finally {
      await worker.close();
    }
    await expect(waitForRun(queue, 'no-such-job')).rejects.toBeInstanceOf(RunControlError);
  });
});
