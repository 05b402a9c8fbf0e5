// maxRuntimeMs exists so that one long job does not hold a worker slot while others wait: a job
// requeued at the end of its time slice goes behind the jobs already waiting.
import { describe, expect, it } from 'vitest';

import { defineIterationJob } from '../../../src/index.js';
import { backends } from '../../support/backends.js';
import { completion, iterationWorker } from '../../support/iteration.js';
import { uniqueQueueName } from '../../support/names.js';

describe.each(backends)('time slices on $name', (b) => {
  it('a job requeued by maxRuntimeMs lets a waiting job run before it continues', async () => {
    const queueName = uniqueQueueName('fairness');
    const queue = b.queue(queueName);
    const order: string[] = [];
    const job = defineIterationJob({
      name: 'sliced',
      maxRuntimeMs: 150,
      async *buildEnumerator({
        params,
        cursor,
      }: {
        params: { label: string };
        cursor: number | null;
      }) {
        void params;
        for (let i = cursor === null ? 0 : cursor + 1; i < 60; i++) yield [i, i] as const;
      },
      async eachIteration(_item, ctx) {
        if (order.at(-1) !== ctx.params.label) order.push(ctx.params.label);
        await new Promise((r) => setTimeout(r, 10));
      },
    });
    const a = await job.enqueue(queue, { label: 'a' });
    const bJob = await job.enqueue(queue, { label: 'b' });
    const worker = iterationWorker(b, queueName, [job], { concurrency: 1 });
    try {
      await Promise.all([completion(worker, a.id!), completion(worker, bJob.id!)]);
      // Each run lasts one slice (~15 items of 60): the two jobs take turns.
      expect(order.slice(0, 4)).toEqual(['a', 'b', 'a', 'b']);
    } finally {
      await worker.close();
    }
  });
});
