// restartRun on every backend: a job that fails on a poison item every time is run again as a new
// job from a chosen cursor, past that item; the new job's state records where the old one stood,
// and the old one keeps its cursor. A start cursor survives a pause before the first run; bad
// cursors and unfinished jobs are refused, naming the job, the value and the fix.
import type { Job } from 'bullmq';
import { describe, expect, it } from 'vitest';

import { directAccess } from '../../../src/dashboard/access.js';
import { RunHistory } from '../../../src/dashboard/history.js';
import { readRunDetail } from '../../../src/dashboard/runs.js';
import {
  CursorError,
  defineIterationJob,
  getRun,
  listRuns,
  pauseRun,
  restartRun,
  resumeRun,
  RunControlError,
  times,
} from '../../../src/index.js';
import { backends } from '../../support/backends.js';
import { completion, eventually, iterationWorker, storedState } from '../../support/iteration.js';
import { uniqueQueueName } from '../../support/names.js';

interface PoisonParams {
  readonly total: number;
  /** The item that fails every time it runs. */
  readonly poison: number;
}

/** Items 0..total-1 (the cursor is the index of the next item); `poison` always fails. */
function poisonJob() {
  const seen: number[] = [];
  const params: unknown[] = [];
  const job = defineIterationJob({
    name: 'poison',
    parseParams: (data: unknown) => data as PoisonParams,
    buildEnumerator: ({ params: p, cursor }) => times(p.total, { cursor }),
    onStart: (ctx) => void params.push(ctx.params),
    eachIteration(n, ctx) {
      if (n === ctx.params.poison) throw new Error(`item ${n} is poison`);
      seen.push(n);
    },
  });
  return { job, seen, params };
}

/** The job once it has completed or failed for good. */
function finished(queue: { getJob(id: string): Promise<Job | undefined> }, id: string) {
  return eventually(async () => {
    const job = await queue.getJob(id);
    return job?.finishedOn ? job : undefined;
  }, `job ${id} to finish`);
}

describe.each(backends)('restartRun on $name', (b) => {
  it('runs a failed job again from a chosen cursor, past its poison item, recording the old cursor', async () => {
    const queueName = uniqueQueueName('restart-cursor');
    const queue = b.queue(queueName);
    const p = poisonJob();
    const worker = iterationWorker(b, queueName, [p.job]);
    try {
      const old = await p.job.enqueue(queue, { total: 8, poison: 3 });
      await expect(completion(worker, old.id!)).rejects.toThrow('item 3 is poison');
      expect((await getRun(queue, old.id!)).cursor).toBe(3);
      // Listed by default, failed as it is, for an operator to find.
      expect((await listRuns(queue)).map((run) => [run.jobId, run.status])).toEqual([
        [old.id, 'failed'],
      ]);

      const { job, restarted } = await restartRun(queue, old.id!, { fromCursor: 4 });
      expect(restarted).toMatchObject({ jobId: old.id, status: 'failed', cursor: 3, processed: 3 });
      expect(job.id).not.toBe(old.id);
      expect(job.name).toBe('poison');
      // The worker may finish the new job before restartRun returns: read its end, not an event.
      const result = (await finished(queue, job.id!)).returnvalue;
      expect(result).toMatchObject({ outcome: 'completed', processed: 4, cursor: 8 });

      expect(p.seen).toEqual([0, 1, 2, 4, 5, 6, 7]);
      // The params reach the job as they were, not the restart's wrapper around them.
      expect(p.params).toEqual([
        { total: 8, poison: 3 },
        { total: 8, poison: 3 },
      ]);
      const record = { of: old.id, from: 4, oldCursor: 3, oldProcessed: 3 };
      expect((await storedState(b, queueName, job.id!))?.restart).toMatchObject(record);
      expect(await getRun(queue, job.id!)).toMatchObject({ status: 'completed', restart: record });
      // The dashboard's page of the new job shows the params, not the restart's wrapper.
      const page = await readRunDetail(directAccess(queue as never), new RunHistory(), job.id!);
      expect(page.params).toEqual({ total: 8, poison: 3 });
      expect(page.run.restart).toMatchObject(record);
      // The old job is the record of where it stood.
      expect(await getRun(queue, old.id!)).toMatchObject({ status: 'failed', cursor: 3 });
      expect((await queue.getJobLogs(old.id!)).logs).toEqual([
        `restarted as job ${job.id!} from cursor 4; this job stood at cursor 3 after 3 items`,
      ]);
      expect((await queue.getJobLogs(job.id!)).logs).toEqual([
        `restart of job ${old.id!} from cursor 4; job ${old.id!} stood at cursor 3 after 3 items`,
      ]);

      // Restarting the restart from the beginning starts at 0 with the original params.
      const again = await restartRun(queue, job.id!);
      expect((await finished(queue, again.job.id!)).failedReason).toBe('item 3 is poison');
      expect(p.seen).toEqual([0, 1, 2, 4, 5, 6, 7, 0, 1, 2]);
      expect(await getRun(queue, again.job.id!)).toMatchObject({ cursor: 3, restart: undefined });
    } finally {
      await worker.close();
    }
  });

  it('keeps the start cursor when the new job is paused before its first run', async () => {
    const queueName = uniqueQueueName('restart-paused');
    const queue = b.queue(queueName);
    const p = poisonJob();
    const first = iterationWorker(b, queueName, [p.job]);
    const old = await p.job.enqueue(queue, { total: 6, poison: 2 });
    await expect(completion(first, old.id!)).rejects.toThrow('item 2 is poison');
    await first.close();

    const { job } = await restartRun(queue, old.id!, { fromCursor: 3 });
    await pauseRun(queue, job.id!);
    const worker = iterationWorker(b, queueName, [p.job], { controlPollIntervalMs: 100 });
    try {
      // A worker takes it and parks it at once, storing its state: the start cursor is in it.
      const parked = await eventually(async () => {
        const run = await getRun(queue, job.id!);
        return run.status === 'paused' ? run : undefined;
      }, 'the restarted job to park');
      expect(parked).toMatchObject({ cursor: 3, processed: 0 });
      expect(parked.restart).toMatchObject({ of: old.id, from: 3, oldCursor: 2 });
      const done = completion(worker, job.id!);
      await resumeRun(queue, job.id!);
      expect(await done).toMatchObject({ processed: 3, cursor: 6 });
      expect(p.seen).toEqual([0, 1, 3, 4, 5]);
    } finally {
      await worker.close();
    }
  });

  it('refuses a cursor that is not JSON and a job that has not finished, adding nothing', async () => {
    const queueName = uniqueQueueName('restart-refused');
    const queue = b.queue(queueName);
    const p = poisonJob();
    const waiting = await p.job.enqueue(queue, { total: 3, poison: 9 });

    const notJson = await restartRun(queue, waiting.id!, {
      fromCursor: { at: new Date(0) } as never,
    }).catch((error: unknown) => error);
    expect(notJson).toBeInstanceOf(CursorError);
    expect((notJson as CursorError).message).toBe(
      `Cannot restart job "${waiting.id!}" (poison) of queue "${queueName}" from cursor ` +
        '{"at":"1970-01-01T00:00:00.000Z"}: it is not plain JSON data (fromCursor.at: a Date; ' +
        'store `date.toISOString()` or `date.getTime()`). Give the cursor as JSON, in the format ' +
        `\`bullmq-iteration status ${waiting.id!} --json\` shows, e.g. { id: '4822' }.`,
    );
    expect((notJson as CursorError).jobName).toBe('poison');

    const unfinished = await restartRun(queue, waiting.id!, { fromCursor: 1 }).catch(
      (error: unknown) => error,
    );
    expect(unfinished).toBeInstanceOf(RunControlError);
    expect(unfinished).toMatchObject({ code: 'not-finished', jobId: waiting.id, queueName });
    expect((unfinished as Error).message).toContain(
      `Job "${waiting.id!}" of queue "${queueName}" is waiting: only a completed, cancelled or failed job is restarted.`,
    );
    expect(await queue.getJobCounts('waiting', 'delayed', 'active')).toEqual({
      waiting: 1,
      delayed: 0,
      active: 0,
    });
  });
});
