// A listing reads a job's state before its lock: a job that left `active` in between (a pause
// parked it, its run ended) must be described by where it is now, never as `stale`.
import { describe, expect, it } from 'vitest';

import { describeRun } from '../../../src/control/status.js';
import { backends } from '../../support/backends.js';
import { counter } from '../../support/jobs.js';
import { uniqueQueueName } from '../../support/names.js';

describe.each(backends)('status of a job that just left active on $name', (b) => {
  it('is read again instead of being reported stale', async () => {
    const queueName = uniqueQueueName('stale-race');
    const queue = b.queue(queueName);
    const c = counter({ total: 3 });
    // No worker: the job waits and holds no lock, as a parked or finished job does.
    const job = await c.job.enqueue(queue, {});
    const run = await describeRun(queue, job, 'active');
    expect(run.status).toBe('waiting');
    expect(run.bullState).toBe('waiting');
    expect(run.staleReason).toBeUndefined();
  });
});
