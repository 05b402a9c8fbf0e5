// runInline runs jobs made of steps through the same runtime: an interruption resumes inside the
// step, an isolated step is reached through a requeue (reason `step`), and the stored state says
// which step the job is in.
import { describe, expect, it } from 'vitest';

import { runInline } from '../../../src/testing/index.js';
import { items, stepsJob } from '../../support/steps-jobs.js';

describe('runInline with steps', () => {
  it('resumes inside the step it was interrupted in; finished steps are not run again', async () => {
    const s = stepsJob({ exported: 4, cleaned: 4 });
    const run = runInline(s.job, { params: {} });
    await run.iterate({ items: 6 });
    expect(run.requeues).toEqual([{ reason: 'shutdown', delayMs: 0 }]);
    expect(run.cursor).toBe(1);
    expect(run.progress).toMatchObject({
      status: 'interrupted',
      step: { name: 'cleanup', index: 2, count: 3 },
    });
    await run.finish();
    expect(s.seen).toEqual([...items('export', 4), 'notify', ...items('cleanup', 4)]);
    expect(s.built).toEqual(['export@null', 'cleanup@null', 'cleanup@1']);
  });

  it('reaches an isolated step through a requeue with reason step', async () => {
    const s = stepsJob({ exported: 2, cleaned: 2, isolatedCleanup: true });
    const run = runInline(s.job, { params: {} });
    await run.finish();
    expect(run.requeues).toEqual([{ reason: 'step', delayMs: 0 }]);
    expect(run.summary).toMatchObject({ processed: 4, timesInterrupted: 1 });
  });

  it('an isolated first step, or one a run starts in, needs no requeue', async () => {
    const s = stepsJob({
      exported: 2,
      reshape: (steps) => steps.map((step) => ({ ...step, isolated: true })),
    });
    const run = runInline(s.job, { params: {} });
    // Run 1 starts in the isolated first step: nothing to isolate it from.
    await run.iterate();
    expect(s.seen).toEqual(items('export', 2));
    expect(run.requeues).toEqual([{ reason: 'step', delayMs: 0 }]);
    // Run 2 starts in `notify` without another requeue, then requeues before `cleanup`.
    await run.iterate();
    expect(s.seen).toEqual([...items('export', 2), 'notify']);
    await run.finish();
    expect(run.requeues).toEqual([
      { reason: 'step', delayMs: 0 },
      { reason: 'step', delayMs: 0 },
    ]);
    expect(s.seen).toEqual([...items('export', 2), 'notify', ...items('cleanup', 5)]);
  });

  it('ctx.stop() in a call step completes the job after it; the steps left do not start', async () => {
    const s = stepsJob({
      exported: 2,
      reshape: (steps) =>
        steps.map((step) =>
          step.name === 'notify' ? { name: 'notify', run: (ctx) => ctx.stop() } : step,
        ),
    });
    const run = runInline(s.job, { params: {} });
    const summary = await run.finish();
    expect(s.seen).toEqual(items('export', 2));
    expect(s.built).toEqual(['export@null']);
    expect(summary).toMatchObject({ outcome: 'completed', processed: 2, stoppedEarly: true });
    expect(run.progress?.step).toEqual({ name: 'notify', index: 1, count: 3 });
  });
});
