// A job's params schema on every backend: enqueue refuses with the schema's messages and adds
// nothing; data added without enqueue (a plain queue.add) is checked when the run starts and
// fails the job without retry, naming the schema's message; valid params reach ctx.params.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { array, defineIterationJob, getRun, ParamsValidationError } from '../../../src/index.js';
import { backends } from '../../support/backends.js';
import { completion, iterationWorker } from '../../support/iteration.js';
import { uniqueQueueName } from '../../support/names.js';

describe.each(backends)('params schema on $name', (b) => {
  it('checks params at enqueue and at run start', async () => {
    const queueName = uniqueQueueName('params-schema');
    const queue = b.queue(queueName);
    const seen: string[] = [];
    const job = defineIterationJob({
      name: 'notify',
      params: z.object({ segment: z.enum(['trial', 'paid']) }),
      buildEnumerator: ({ params, cursor }) => array([params.segment], { cursor }),
      eachIteration: (segment) => void seen.push(segment),
      defaultJobOptions: { attempts: 3 },
    });
    await expect(job.enqueue(queue, { segment: 'gold' as never })).rejects.toBeInstanceOf(
      ParamsValidationError,
    );
    expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 0 });
    const worker = iterationWorker(b, queueName, [job]);
    try {
      const good = await job.enqueue(queue, { segment: 'paid' });
      await completion(worker, good.id!);
      expect(seen).toEqual(['paid']);
      const bad = await queue.add('notify', { segment: 'gold' }, { attempts: 3 });
      await expect(completion(worker, bad.id!)).rejects.toThrow(
        /its params schema refused them: segment: /,
      );
      // Not retried: a schema refusal is not cured by trying again.
      expect(await getRun(queue, bad.id!)).toMatchObject({ status: 'failed', attemptsMade: 1 });
    } finally {
      await worker.close();
    }
  });
});
