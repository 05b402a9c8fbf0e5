// Worker processes killed for real. SIGKILL: the job continues on another worker after BullMQ's
// stalled check, from the last saved cursor. SIGTERM: the job is requeued and nothing is redone.
import { afterEach, describe, expect, it } from 'vitest';

import { backends, type BackendUnderTest } from '../../support/backends.js';
import { eventually, storedState } from '../../support/iteration.js';
import { duplicates, range } from '../../support/jobs.js';
import { uniqueQueueName } from '../../support/names.js';
import {
  killAll,
  recordedItems,
  spawnWorker,
  tempFile,
  waitForItems,
  waitForOutput,
} from '../../support/processes.js';
import { redisUrl } from '../../support/servers.js';

afterEach(() => killAll());

const TOTAL = 300;
/** `maxCheckpointLagItems` for the crash test: small, so its bound is a real limit here. */
const LAG_ITEMS = 10;

function env(
  b: BackendUnderTest,
  queue: string,
  out: string,
  extra: Record<string, string | number> = {},
) {
  return {
    BACKEND: b.name,
    URL: b.name === 'redis' ? redisUrl() : b.connection,
    QUEUE: queue,
    TOTAL,
    STEP_MS: 5,
    OUT_FILE: out,
    ...extra,
  };
}

async function finished(queue: ReturnType<BackendUnderTest['queue']>, id: string) {
  return eventually(
    async () => ((await (await queue.getJob(id))?.getState()) === 'completed' ? true : undefined),
    'the job to complete',
    60_000,
  );
}

describe.each(backends)('worker processes on $name', (b) => {
  it.each(['strict', 'coalesced'] as const)(
    'SIGKILL mid-job (%s): another worker resumes from the last checkpoint after the stalled check',
    async (mode) => {
      const queueName = uniqueQueueName(`crash-${mode}`);
      const queue = b.queue(queueName);
      const out = tempFile('items');
      const job = await queue.add('crashy', {});
      // Every worker of a queue shares BullMQ's stalled-check slot for one stalledInterval, so
      // both get the short interval.
      const timing = {
        CHECKPOINT_MODE: mode,
        STALLED_INTERVAL_MS: 300,
        LOCK_DURATION_MS: 1_500,
        MAX_CHECKPOINT_LAG_ITEMS: LAG_ITEMS,
      };
      const first = spawnWorker(env(b, queueName, out, timing));
      await waitForItems(out, 100, first);
      first.child.kill('SIGKILL');
      await first.exited;
      const killedAt = recordedItems(out).length;
      const saved = (await storedState(b, queueName, job.id!))!;

      const second = spawnWorker(env(b, queueName, out, timing));
      await waitForOutput(second, 'ready');
      await finished(queue, job.id!);
      second.child.kill('SIGTERM');
      await second.exited;

      const items = recordedItems(out);
      // Every item at least once…
      expect([...new Set(items)].sort((x, y) => x - y)).toEqual(range(TOTAL));
      // …and the redone ones are exactly those after the saved cursor that the killed worker had
      // started: in strict mode only the item in flight; coalesced, at most the lag bound (the
      // loop never runs more items past the newest durable checkpoint, whatever the store's
      // latency) and the item in the step.
      const redone = duplicates(items);
      const savedCursor = saved.cursor as number;
      expect(redone).toEqual(range(killedAt).slice(savedCursor + 1));
      if (mode === 'strict') expect(redone.length).toBeLessThanOrEqual(1);
      else expect(redone.length).toBeLessThanOrEqual(LAG_ITEMS + 1);
      const done = (await queue.getJob(job.id!))!;
      expect(done.returnvalue).toMatchObject({ processed: TOTAL });
      expect(done.attemptsMade).toBe(1);
    },
  );

  it('SIGTERM: the worker requeues the job and exits; the next worker redoes nothing', async () => {
    const queueName = uniqueQueueName('sigterm');
    const queue = b.queue(queueName);
    const out = tempFile('items');
    const job = await queue.add('crashy', {});
    const first = spawnWorker(env(b, queueName, out));
    await waitForItems(out, 100, first);
    const signalled = Date.now();
    first.child.kill('SIGTERM');
    const exit = await first.exited;
    // It drained and then ended by the signal it was sent, within a couple of seconds.
    expect(exit.signal).toBe('SIGTERM');
    expect(Date.now() - signalled).toBeLessThan(10_000);
    expect(first.output()).toContain('received SIGTERM');
    const state = await (await queue.getJob(job.id!))!.getState();
    expect(['delayed', 'waiting']).toContain(state);
    expect(await storedState(b, queueName, job.id!)).toMatchObject({ timesInterrupted: 1 });

    const second = spawnWorker(env(b, queueName, out));
    await finished(queue, job.id!);
    second.child.kill('SIGTERM');
    await second.exited;
    const items = recordedItems(out);
    expect(items).toEqual(range(TOTAL));
    expect((await queue.getJob(job.id!))!.returnvalue).toMatchObject({ timesInterrupted: 1 });
  });

  it('a second SIGTERM exits at once while an item is stuck', async () => {
    const queueName = uniqueQueueName('sigterm-twice');
    const queue = b.queue(queueName);
    const out = tempFile('items');
    await queue.add('crashy', {});
    const worker = spawnWorker(env(b, queueName, out, { HANG_AT: 20 }));
    await waitForItems(out, 21, worker);
    worker.child.kill('SIGTERM');
    await waitForOutput(worker, 'received SIGTERM');
    worker.child.kill('SIGTERM');
    const exit = await worker.exited;
    expect(exit.code).toBe(143);
    expect(worker.output()).toContain('exiting now');
  });
});
