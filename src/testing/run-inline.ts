/** `runInline`, the entry point of the testing helpers: an `InlineRun` of one job. */
import type { IterationJob, IterationStepsJob } from '../define-job.js';
import type { InlineOptions } from './inline-options.js';
import { InlineRun } from './inline-run.js';

/**
 * An iteration job "in a queue" of its own, not started: run it with `iterate()`, `once()` or
 * `finish()` and inspect what the runtime did. No server, no worker: the job's own code runs in the
 * test, through the same lifecycle code as in production, with a fenced in-memory checkpoint store.
 *
 * @example
 * ```ts
 * const run = runInline(notifyUsers, { params: { segment: 'trial' } });
 * await run.iterate({ items: 3 }); // 3 items, then interrupted as by a deploy
 * expect(run.requeues).toEqual([{ reason: 'shutdown', delayMs: 0 }]);
 * await run.finish(); // resumes after the third item and runs to the end
 * expect(run.callbacks).toEqual(['onStart', 'onShutdown', 'onResume', 'onComplete', 'onShutdown']);
 * ```
 */
export function runInline<Params, Item, Cursor>(
  job: IterationJob<Params, Item, Cursor>,
  options: InlineOptions<Params>,
): InlineRun<Params, Cursor>;
/** A job made of steps, run inline; its cursor is that of the step it is in. */
export function runInline<Params>(
  job: IterationStepsJob<Params>,
  options: InlineOptions<Params>,
): InlineRun<Params, unknown>;
export function runInline<Params, Item, Cursor>(
  job: IterationJob<Params, Item, Cursor> | IterationStepsJob<Params>,
  options: InlineOptions<Params>,
): InlineRun<Params, Cursor> {
  return new InlineRun(job, options);
}
