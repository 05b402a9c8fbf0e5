// Throttles inline: the runtime's own gate decides, and the inline run records the requeue it asked
// for, with the condition and the backoff, instead of waiting for it. A throttle is not an
// interruption and not an attempt.
import { describe, expect, it } from 'vitest';

import { exponentialBackoff } from '../../../src/index.js';
import { runInline } from '../../../src/testing/index.js';
import { counter, range } from '../../support/jobs.js';

describe('throttles inline', () => {
  it('a condition that holds mid-run records a requeue with its backoff; the job resumes after the last item', async () => {
    let held = false;
    const c = counter({
      total: 10,
      throttle: { name: 'flag', check: () => held, backoffMs: 5_000 },
      onShutdown: () => {},
      onItem: (item) => {
        if (item === 3) held = true;
      },
    });
    const run = runInline(c.job, { params: {} });
    expect(await run.iterate()).toEqual({
      outcome: 'requeued',
      processed: 4,
      requeue: {
        reason: 'throttled',
        delayMs: 5_000,
        throttle: {
          condition: 'flag',
          reason: 'check returned true',
          delayMs: 5_000,
          consecutive: 1,
        },
      },
    });
    expect(run).toMatchObject({
      status: 'delayed',
      cursor: 3,
      timesThrottled: 1,
      timesInterrupted: 0,
    });
    expect(run.job.attemptsMade).toBe(0);
    expect(run.callbacks).toEqual(['onShutdown']);
    expect(run.progress).toMatchObject({
      status: 'throttled',
      throttle: { condition: 'flag', delayMs: 5_000 },
    });
    expect(run.events.at(-1)).toMatchObject({ event: 'iteration.throttled', condition: 'flag' });

    held = false;
    await run.finish();
    expect(c.seen).toEqual(range(10));
    expect(run.summary).toMatchObject({ timesThrottled: 1, timesInterrupted: 0 });
  });

  it('throttles in a row grow the backoff; the check before buildEnumerator runs no item', async () => {
    let held = true;
    const c = counter({
      total: 3,
      throttle: {
        name: 'flag',
        check: () => held,
        backoffMs: exponentialBackoff({ baseMs: 1_000, jitter: 0 }),
      },
    });
    const run = runInline(c.job, { params: {} });
    await run.iterate();
    await run.iterate();
    await run.iterate();
    expect(run.requeues.map((r) => r.delayMs)).toEqual([1_000, 2_000, 4_000]);
    expect(c.seen).toEqual([]);
    held = false;
    await run.finish();
    expect(c.seen).toEqual(range(3));
  });

  it("applies the worker's throttle, combined with the job's", async () => {
    const c = counter({ total: 3 });
    const run = runInline(c.job, {
      params: {},
      worker: { throttle: { name: 'maintenance', check: () => true, backoffMs: 60_000 } },
    });
    const result = await run.iterate();
    expect(result.outcome === 'requeued' && result.requeue).toMatchObject({
      reason: 'throttled',
      delayMs: 60_000,
      throttle: { condition: 'maintenance' },
    });
  });

  it('finish() gives up on a throttle that never clears, naming the last requeue', async () => {
    const c = counter({
      total: 3,
      throttle: { name: 'forever', check: () => true, backoffMs: 10 },
    });
    const run = runInline(c.job, { params: {} });
    await expect(run.finish({ maxRuns: 5 })).rejects.toThrow(
      /is still delayed after 5 runs of finish\(\); the last requeue was .*"condition":"forever"/,
    );
    expect(run.requeues).toHaveLength(5);
  });

  it('requeueDelayMs of the worker delays an interrupted job', async () => {
    const run = runInline(counter({ total: 3 }).job, {
      params: {},
      worker: { requeueDelayMs: 500 },
    });
    expect(await run.once()).toMatchObject({ requeue: { reason: 'shutdown', delayMs: 500 } });
    expect(run.status).toBe('delayed');
  });

  it('rejects invalid worker options as the worker would', () => {
    expect(() =>
      runInline(counter({ total: 1 }).job, {
        params: {},
        worker: { checkpointMode: 'eager' as never },
      }),
    ).toThrow(/runInline\("counter"\) worker options: expected `checkpointMode`/);
  });
});
