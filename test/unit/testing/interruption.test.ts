// Interrupting an inline run after N items goes through the runtime's own interruption: the
// checkpoint is flushed, onShutdown runs, the requeue is recorded, and the next run continues after
// the last finished item, so the runs together equal one uninterrupted pass.
import { setTimeout as sleep } from 'node:timers/promises';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { runInline } from '../../../src/testing/index.js';
import { counter, range } from '../../support/jobs.js';

function lifecycle(calls: string[]) {
  return {
    onStart: () => void calls.push('start'),
    onResume: (ctx: { cursor: number | null }) => void calls.push(`resume@${String(ctx.cursor)}`),
    onComplete: () => void calls.push('complete'),
    onShutdown: () => void calls.push('shutdown'),
  };
}

describe('runInline: iterate, items and once', () => {
  it('runs the whole job in one run: completed, with its summary, callbacks and progress', async () => {
    const c = counter({ total: 5, size: 5, ...lifecycle([]) });
    const run = runInline(c.job, { params: {} });
    expect(run.status).toBe('waiting');
    const result = await run.iterate();
    expect(result).toMatchObject({ outcome: 'completed', processed: 5 });
    expect(run.summary).toMatchObject({ processed: 5, cursor: 4, timesInterrupted: 0 });
    expect(run.job.returnvalue).toBe(run.summary);
    expect(run.status).toBe('completed');
    expect(run.job.attemptsMade).toBe(1);
    expect(run.callbacks).toEqual(['onStart', 'onComplete', 'onShutdown']);
    expect(run.events.map((e) => e.event)).toEqual(['iteration.started', 'iteration.completed']);
    expect(run.progress).toMatchObject({
      progress: 100,
      total: 5,
      processed: 5,
      status: 'completed',
    });
    expect(c.seen).toEqual(range(5));
  });

  it('interrupts after exactly N items and resumes after them, as interruption.test.ts on real servers', async () => {
    const calls: string[] = [];
    const c = counter({ total: 30, ...lifecycle(calls) });
    const run = runInline(c.job, {
      params: { batch: 'a' },
      opts: { priority: 7, attempts: 3, backoff: { type: 'fixed', delay: 10 } },
    });
    expect(await run.iterate({ items: 12 })).toEqual({
      outcome: 'requeued',
      processed: 12,
      requeue: { reason: 'shutdown', delayMs: 0 },
    });
    // The checkpoint was flushed before the requeue; nothing counted as an attempt.
    expect(run).toMatchObject({
      cursor: 11,
      processed: 12,
      timesInterrupted: 1,
      status: 'waiting',
    });
    expect(run.job).toMatchObject({ name: 'counter', data: { batch: 'a' }, attemptsMade: 0 });
    expect(run.job.opts).toMatchObject({ priority: 7, attempts: 3 });
    expect(run.progress).toMatchObject({ status: 'interrupted', processed: 12 });
    expect(run.events.at(-1)).toMatchObject({
      event: 'iteration.interrupted',
      reason: 'shutdown',
      processedThisRun: 12,
    });

    expect(await run.iterate()).toMatchObject({ outcome: 'completed', processed: 18 });
    expect(c.seen).toEqual(range(30));
    expect(calls).toEqual(['start', 'shutdown', 'resume@11', 'complete', 'shutdown']);
    expect(run.callbacks).toEqual([
      'onStart',
      'onShutdown',
      'onResume',
      'onComplete',
      'onShutdown',
    ]);
    expect(run.summary).toMatchObject({ processed: 30, timesInterrupted: 1 });
    expect(run.job.attemptsMade).toBe(1);
    expect(run.job.attemptsStarted).toBe(2);
  });

  it('any sequence of interruptions ends as one uninterrupted pass', async () => {
    const whole = counter({ total: 12 });
    const reference = await runInline(whole.job, { params: {} }).finish();
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat({ max: 14 }), { maxLength: 6 }), async (stops) => {
        const c = counter({ total: 12 });
        const run = runInline(c.job, { params: {} });
        let interrupted = 0;
        for (const items of stops) {
          if (run.status === 'completed') break;
          const result = await run.iterate({ items });
          if (result.outcome === 'requeued') interrupted++;
        }
        const summary = await run.finish();
        expect(c.seen).toEqual(whole.seen);
        expect(summary).toMatchObject({
          processed: reference.processed,
          cursor: reference.cursor,
          timesInterrupted: interrupted,
        });
        expect(run.requeues).toHaveLength(interrupted);
      }),
      { numRuns: 40 },
    );
  });

  it('once() finishes one item, then the run is interrupted', async () => {
    const c = counter({ total: 3 });
    const run = runInline(c.job, { params: {} });
    await run.once();
    await run.once();
    expect(c.seen).toEqual([0, 1]);
    expect(run).toMatchObject({ cursor: 1, processed: 2, timesInterrupted: 2 });
  });

  it('items: 0 interrupts before the first item, as a worker already closing does', async () => {
    const calls: string[] = [];
    const c = counter({ total: 3, ...lifecycle(calls) });
    const run = runInline(c.job, { params: {} });
    expect(await run.iterate({ items: 0 })).toMatchObject({ outcome: 'requeued', processed: 0 });
    // The run still begins (onStart is recorded once in the job's life) and closes.
    expect(run.callbacks).toEqual(['onStart', 'onShutdown']);
    expect(run).toMatchObject({ cursor: null, processed: 0, timesInterrupted: 1 });
    expect(c.seen).toEqual([]);
  });

  it('an interruption on the last item still requeues; the next run finds nothing left', async () => {
    const c = counter({ total: 3 });
    const run = runInline(c.job, { params: {} });
    expect((await run.iterate({ items: 3 })).outcome).toBe('requeued');
    expect(await run.iterate()).toMatchObject({ outcome: 'completed', processed: 0 });
    expect(run.events.map((e) => e.event)).toContain('iteration.noItems');
  });

  it('refuses a bad item count, a run of a completed job and two runs at once', async () => {
    const c = counter({ total: 2, stepMs: 5 });
    const run = runInline(c.job, { params: {} });
    await expect(run.iterate({ items: -1 })).rejects.toThrow(
      'Expected `items` to be a whole number of items ≥ 0, got `-1` (number).',
    );
    await expect(run.iterate({ items: 1.5 })).rejects.toThrow(TypeError);
    const first = run.iterate();
    await expect(run.iterate()).rejects.toThrow(/a run of .* is in progress/);
    await first;
    await expect(run.iterate()).rejects.toThrow(/is completed; there is nothing left to run/);
  });
});

describe('runInline: stopping a run from the test or from the job', () => {
  it('interrupt() during a slow item: an AbortError through ctx.signal is an interruption, and the item is redone', async () => {
    let entered: () => void = () => {};
    const inside = new Promise<void>((resolve) => (entered = resolve));
    let slow = true;
    const c = counter({
      total: 5,
      async onItem(item, ctx) {
        if (item !== 2 || !slow) return;
        slow = false;
        entered();
        await sleep(60_000, undefined, { signal: ctx.signal });
      },
    });
    const run = runInline(c.job, { params: {} });
    const pending = run.iterate();
    await inside;
    expect(run.status).toBe('active');
    run.interrupt();
    expect(await pending).toMatchObject({ outcome: 'requeued', processed: 2 });
    expect(run.cursor).toBe(1);
    await run.finish();
    expect(c.seen).toEqual([0, 1, 2, 2, 3, 4]);
  });

  it('interrupt() needs a run in progress', () => {
    const run = runInline(counter({ total: 1 }).job, { params: {} });
    expect(() => run.interrupt()).toThrow(/no run of iteration job "counter" .* is in progress/);
  });

  it('ctx.stop() completes the job early, with onComplete', async () => {
    const c = counter({
      total: 10,
      onItem: (item, ctx) => {
        if (item === 3) ctx.stop();
      },
      onComplete: () => {},
    });
    const run = runInline(c.job, { params: {} });
    expect(await run.iterate()).toMatchObject({ outcome: 'completed', processed: 4 });
    expect(run.summary).toMatchObject({ stoppedEarly: true, cursor: 3 });
    expect(run.callbacks).toEqual(['onComplete']);
  });

  it('maxRuntimeMs requeues through the runtime timer; finish() takes the job until done', async () => {
    const c = counter({ total: 20, stepMs: 5, maxRuntimeMs: 30 });
    const run = runInline(c.job, { params: {} });
    expect((await run.iterate()).outcome).toBe('requeued');
    expect(run.requeues[0]).toEqual({ reason: 'max-runtime', delayMs: 0 });
    const summary = await run.finish();
    expect(c.seen).toEqual(range(20));
    expect(new Set(run.requeues.map((r) => r.reason))).toEqual(new Set(['max-runtime']));
    expect(summary.timesInterrupted).toBe(run.requeues.length);
    expect(run.job.attemptsMade).toBe(1);
  });

  it('maxItemsPerRun and interruptWhen requeue in the inline helpers too', async () => {
    const c = counter({
      total: 20,
      maxItemsPerRun: 8,
      interruptWhen: (ctx) => ctx.processed === 12,
    });
    const run = runInline(c.job, { params: {} });
    const summary = await run.finish();
    expect(run.requeues.map((r) => r.reason)).toEqual(['max-items', 'condition', 'max-items']);
    expect(c.seen).toEqual(range(20));
    expect(summary.timesInterrupted).toBe(3);
    expect(run.job.attemptsMade).toBe(1);
  });
});
