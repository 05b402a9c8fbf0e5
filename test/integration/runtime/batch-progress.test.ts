// Progress of batch enumerators, on every backend: a batch weighs its rows, so processed, total,
// the percentage and the limits count rows, across an interruption; a skipped batch counts its
// rows as skipped (one record for the batch) and against maxSkipped.
import { describe, expect, it } from 'vitest';

import type { IterationProgress, IterationSummary } from '../../../src/index.js';
import { array, batches, defineIterationJob, getRun } from '../../../src/index.js';
import { backends } from '../../support/backends.js';
import { completion, iterationWorker, storedState } from '../../support/iteration.js';
import { range } from '../../support/jobs.js';
import { uniqueQueueName } from '../../support/names.js';

const ROWS = range(23);

/** 23 rows in batches of 5; `fails` says which batches throw. */
function batchJob(
  options: {
    maxItemsPerRun?: number;
    fails?: (batch: number[]) => boolean;
    maxSkipped?: number;
  } = {},
) {
  const seen: number[][] = [];
  const job = defineIterationJob({
    name: 'rows',
    buildEnumerator: ({ cursor }) => batches(array(ROWS, { cursor }), 5),
    eachIteration(batch) {
      if (options.fails?.(batch)) throw new Error(`batch ${batch[0]!} is rejected`);
      seen.push(batch);
    },
    ...(options.maxItemsPerRun === undefined ? {} : { maxItemsPerRun: options.maxItemsPerRun }),
    ...(options.fails === undefined
      ? {}
      : {
          itemErrors: {
            retries: 0,
            action: 'skip' as const,
            ...(options.maxSkipped === undefined ? {} : { maxSkipped: options.maxSkipped }),
          },
        }),
  });
  return { job, seen };
}

describe.each(backends)('progress of batch enumerators on $name', (b) => {
  it('counts rows: processed, total, percentage and maxItemsPerRun, across an interruption', async () => {
    const queueName = uniqueQueueName('batch-rows');
    const queue = b.queue(queueName);
    const { job, seen } = batchJob({ maxItemsPerRun: 10 });
    const worker = iterationWorker(b, queueName, [job]);
    const interrupted: IterationProgress[] = [];
    worker.on('progress', (_job, p) => {
      if ((p as IterationProgress).status === 'interrupted')
        interrupted.push(p as IterationProgress);
    });
    try {
      const enqueued = await job.enqueue(queue, {});
      const result = (await completion(worker, enqueued.id!)) as IterationSummary;
      // maxItemsPerRun counts rows: two batches of 5 per run.
      expect(interrupted.map((p) => [p.processed, p.total, p.progress])).toEqual([
        [10, 23, 43.47],
        [20, 23, 86.95],
      ]);
      expect(seen.map((batch) => batch.length)).toEqual([5, 5, 5, 5, 3]);
      expect(result).toMatchObject({ processed: 23, timesInterrupted: 2, cursor: 23 });
      const final = (await queue.getJob(enqueued.id!))!.progress as IterationProgress;
      expect(final).toMatchObject({ status: 'completed', processed: 23, total: 23, progress: 100 });
      expect(await getRun(queue, enqueued.id!)).toMatchObject({
        processed: 23,
        total: 23,
        percentage: 100,
      });
    } finally {
      await worker.close();
    }
  });

  it('counts the rows of a skipped batch as skipped, with one record for the batch', async () => {
    const queueName = uniqueQueueName('batch-skip');
    const queue = b.queue(queueName);
    const { job, seen } = batchJob({ fails: (batch) => batch.includes(7) });
    const worker = iterationWorker(b, queueName, [job]);
    try {
      const enqueued = await job.enqueue(queue, {});
      const result = (await completion(worker, enqueued.id!)) as IterationSummary;
      expect(seen.flat()).toEqual(ROWS.filter((n) => n < 5 || n >= 10));
      expect(result).toMatchObject({ processed: 18, skipped: 5 });
      const stored = await storedState(b, queueName, enqueued.id!);
      expect(stored).toMatchObject({ processed: 18, skipped: 5 });
      expect(stored?.failedItems?.map((f) => [f.item, f.cursor, f.after])).toEqual([
        ['[5,6,7,8,9]', 5, 10],
      ]);
    } finally {
      await worker.close();
    }
  });

  it('judges maxSkipped in rows: a skipped batch of 5 passes a limit of 4', async () => {
    const queueName = uniqueQueueName('batch-threshold');
    const queue = b.queue(queueName);
    const { job } = batchJob({ fails: (batch) => batch.includes(7), maxSkipped: 4 });
    const worker = iterationWorker(b, queueName, [job]);
    try {
      const enqueued = await job.enqueue(queue, {}, { attempts: 1 });
      const error = await completion(worker, enqueued.id!).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error?.name).toBe('ItemFailuresExceededError');
      expect(error?.message).toContain('more than maxSkipped (4)');
      expect(await storedState(b, queueName, enqueued.id!)).toMatchObject({
        processed: 5,
        cursor: 5,
      });
    } finally {
      await worker.close();
    }
  });
});
