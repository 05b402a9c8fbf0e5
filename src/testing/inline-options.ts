/** What `runInline` and the calls of an inline run take and return, checked once per call. */
import type { BackoffStrategy, JobsOptions } from 'bullmq';

import type { IterationOptions } from '../options.js';
import type { IterationSummary } from '../runtime/ledger.js';
import type { InlineRequeue } from './requeue.js';

export interface InlineOptions<Params> {
  /** The job's params, as given to `enqueue`: checked and stored as JSON the same way. */
  readonly params: Params;
  /** BullMQ job options, as given to `enqueue`; `attempts` and `backoff` decide retries. */
  readonly opts?: JobsOptions;
  /** Options of the worker that would run the job. @defaultValue the worker's defaults */
  readonly worker?: InlineWorkerOptions;
  /** @defaultValue 'inline' */
  readonly queueName?: string;
  /** @defaultValue '1' */
  readonly jobId?: string;
}

/**
 * The iteration options of `IterationWorker` (`checkpointMode`, `throttle`, `maxRuntimeMs`,
 * `requeueDelayMs`, `logger`, …; the logger is silent by default), plus BullMQ's custom backoff
 * strategy for jobs whose `backoff` uses one. Options about the process (`handleSignals`,
 * `shutdownTimeoutMs`) have nothing to act on inline.
 */
export interface InlineWorkerOptions extends IterationOptions {
  readonly settings?: { readonly backoffStrategy?: BackoffStrategy };
}

export interface IterateOptions {
  /**
   * Interrupt the run (reason `shutdown`) once this many items are finished, as a deploy arriving
   * during the last of them would: its checkpoint is flushed, `onShutdown` runs and the job is
   * requeued. `0` interrupts it before its first item. @defaultValue no limit
   */
  readonly items?: number;
}

/** How a run that did not fail ended; a failed run rejects with the job's error instead. */
export type InlineRunResult =
  | {
      readonly outcome: 'completed';
      /** Items finished by this run. */
      readonly processed: number;
      readonly summary: IterationSummary;
    }
  | { readonly outcome: 'requeued'; readonly processed: number; readonly requeue: InlineRequeue };

export function checkItems(items: unknown): number | undefined {
  if (items === undefined || (Number.isSafeInteger(items) && (items as number) >= 0)) {
    return items as number | undefined;
  }
  throw new TypeError(
    `Expected \`items\` to be a whole number of items ≥ 0, got \`${String(items)}\` (${typeof items}).`,
  );
}

export function checkMaxRuns(maxRuns: unknown): number {
  if (maxRuns === undefined) return 1_000;
  if (Number.isSafeInteger(maxRuns) && (maxRuns as number) > 0) return maxRuns as number;
  throw new TypeError(
    `Expected \`maxRuns\` to be a whole number of runs > 0, got \`${String(maxRuns)}\` (${typeof maxRuns}).`,
  );
}
