/**
 * `waitForRun`: wait in code until a run ends, on every backend. It reads the run as `getRun`
 * does, every `pollMs`, so it needs no event stream (PGlite's socket server does not deliver
 * notifications) and works from any process, however the run was started.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import type { IterationSummary } from '../runtime/ledger.js';
import type { IterationRunInfo } from './status.js';
import { getRun } from './status.js';
import type { ControlQueue } from './target.js';
import { findJob } from './target.js';

export interface WaitForRunOptions {
  /** Give up after this long: rejects with {@link RunWaitTimeoutError}. @defaultValue no limit */
  readonly timeoutMs?: number;
  /** Stop waiting when it aborts: rejects with the signal's reason. @defaultValue none */
  readonly signal?: AbortSignal;
  /** How often the run is read. @defaultValue 250 */
  readonly pollMs?: number;
}

/** A run that ended without failing. */
export interface FinishedRun {
  /** `completed`, or `cancelled` when an operator cancelled it. */
  readonly outcome: 'completed' | 'cancelled';
  /** What the job returned, when it is an iteration summary. */
  readonly summary: IterationSummary | undefined;
  /** The run as `getRun` read it last. */
  readonly run: IterationRunInfo;
}

/** The run waited for failed for good (no attempt left). */
export class RunFailedError extends Error {
  override readonly name = 'RunFailedError';
  readonly run: IterationRunInfo;

  constructor(run: IterationRunInfo) {
    super(
      `Run ${run.jobId} (${run.jobName}) of queue "${run.queueName}" failed after ` +
        `${run.attemptsMade} attempt${run.attemptsMade === 1 ? '' : 's'} at cursor ` +
        `${JSON.stringify(run.cursor)}: ${run.lastError ?? 'no error recorded'}. ` +
        `Retry it at its cursor with retryRun(queue, '${run.jobId}').`,
    );
    this.run = run;
  }
}

/** `timeoutMs` passed before the run ended; `run` is the last reading. */
export class RunWaitTimeoutError extends Error {
  override readonly name = 'RunWaitTimeoutError';
  readonly run: IterationRunInfo;

  constructor(run: IterationRunInfo, timeoutMs: number) {
    super(
      `Run ${run.jobId} (${run.jobName}) of queue "${run.queueName}" had not ended after ` +
        `${timeoutMs} ms: it is ${run.status} at ${run.processed} items. Wait longer, or check ` +
        'that a worker runs this queue.',
    );
    this.run = run;
  }
}

/**
 * Resolves once run `jobId` completes or is cancelled, with its summary; rejects with
 * {@link RunFailedError} when it fails for good (a failed attempt with attempts left is waited
 * through), {@link RunWaitTimeoutError} after `timeoutMs`, the signal's reason when `signal`
 * aborts, and `RunControlError` (`not-found`) when there is no such job.
 *
 * @example
 * ```ts
 * const job = await backfill.enqueue(queue, { plan: 'trial' });
 * const { summary } = await waitForRun(queue, job.id!, { timeoutMs: 60_000 });
 * console.log(`${summary?.processed} rows`);
 * ```
 */
export async function waitForRun(
  queue: ControlQueue,
  jobId: string,
  options: WaitForRunOptions = {},
): Promise<FinishedRun> {
  const { timeoutMs, signal, pollMs = 250 } = options;
  if (timeoutMs !== undefined && (!Number.isFinite(timeoutMs) || timeoutMs < 0)) {
    throw new TypeError(
      `Expected \`timeoutMs\` to be a number of milliseconds ≥ 0, got ${timeoutMs}.`,
    );
  }
  if (!Number.isFinite(pollMs) || pollMs < 10) {
    throw new TypeError(`Expected \`pollMs\` to be a number of milliseconds ≥ 10, got ${pollMs}.`);
  }
  const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    const run = await getRun(queue, jobId);
    if (run.status === 'completed' || run.status === 'cancelled') {
      const job = await findJob(queue, jobId);
      return { outcome: run.status, summary: summaryOf(job.returnvalue), run };
    }
    if (run.status === 'failed') throw new RunFailedError(run);
    const left = deadline - Date.now();
    if (left <= 0) throw new RunWaitTimeoutError(run, timeoutMs!);
    await sleep(Math.min(pollMs, left), undefined, signal ? { signal } : {}).catch(() => {
      signal?.throwIfAborted();
    });
  }
}

function summaryOf(value: unknown): IterationSummary | undefined {
  const summary = value as Partial<IterationSummary> | null;
  return typeof summary === 'object' &&
    summary !== null &&
    typeof summary.outcome === 'string' &&
    typeof summary.processed === 'number'
    ? (summary as IterationSummary)
    : undefined;
}
