/**
 * bullmq-iteration/testing: helpers for the tests of your own jobs and enumerators, without a
 * server. `runInline` runs a job through the real runtime; `assertResumable` and
 * `runWithInterruptions` check an enumerator resumes anywhere.
 */
export type {
  AssertResumableOptions,
  BuildFromCursor,
  InterruptedRun,
  RunOptions,
} from '../enumerators/testing.js';
export { assertResumable, runWithInterruptions } from '../enumerators/testing.js';
export type { CallbackName } from './callbacks.js';
export type { InlineEvent } from './events.js';
export type { InlineJobState } from './inline-job.js';
export type {
  InlineOptions,
  InlineRunResult,
  InlineWorkerOptions,
  IterateOptions,
} from './inline-options.js';
export type { InlineRun } from './inline-run.js';
export type { InlineRequeue } from './requeue.js';
export { runInline } from './run-inline.js';
