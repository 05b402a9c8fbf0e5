/**
 * Poison items: the step of a job with `itemErrors` (see item-policy.ts). A failing item is tried
 * again in place with a doubling backoff; once its retries are spent the attempt fails, or the item
 * is skipped: its record is handed to the run, whose `advance` stores it (`recordSkip`) with the
 * cursor after the item in the same fenced state write, so a crash loses both or neither (no
 * duplicates, nothing lost).
 * Interruptions and errors marked transient are left to the run, untouched.
 */
import type { Job } from 'bullmq';
import type { Logger } from 'pino';

import { ItemFailuresExceededError } from '../errors.js';
import type { IterationEventName } from '../events.js';
import type { JsonValue } from '../json.js';
import { preview } from '../json.js';
import { isInterruptError } from './interruption.js';
import type { FailedItem, ResolvedItemPolicy } from './item-policy.js';
import { MESSAGE_CHARS, PREVIEW_CHARS, SHARE_MIN_ITEMS, STACK_CHARS } from './item-policy.js';
import { isThenable } from './loop.js';
import { replayedRecord } from './replay.js';
import { sleep } from './retry-in-place.js';
import type { IterationState } from './state.js';
import { describeError, isMarkedTransient } from './transient.js';

/** What the guard reads and sets on its run. */
export interface GuardedRun {
  readonly job: Job;
  readonly signal: AbortSignal;
  readonly logger: Logger;
  readonly label: string;
  readonly definition: { readonly name: string };
  readonly ledger: { readonly state: IterationState };
  /** Rows per item of a batch enumerator: a skipped batch counts its rows against the limits. */
  readonly weigh: ((item: unknown) => number) | undefined;
  /** The step itself: `eachIteration` of the job. */
  eachIteration(item: unknown): unknown;
  /** Set when the item in hand was skipped; the run's `advance` stores it with the cursor. */
  skippedItem: SkippedItem | undefined;
}

/** What recording a skipped item reads and does on its run. */
export interface SkippingRun {
  readonly ledger: {
    readonly state: IterationState;
    skip(cursor: JsonValue, record: FailedItem, maxRecorded: number, weight: number): void;
  };
  skippedItem: SkippedItem | undefined;
  emit(event: IterationEventName, extra: object): void;
}

/**
 * A skipped item on its way to the state: its record (all but the cursor after it, which only the
 * loop knows) and the error itself, for the event.
 */
export interface SkippedItem {
  readonly record: Omit<FailedItem, 'after'>;
  readonly error: Error;
}

/**
 * Stores the item the guard skipped with `cursor`, the position after it (the run's `advance`
 * calls this instead of recording a plain finished item), and reports it.
 */
export function recordSkip(
  run: SkippingRun,
  cursor: JsonValue,
  skipped: SkippedItem,
  weight: number,
  maxRecorded: number,
): void {
  run.skippedItem = undefined;
  // An item of a replay keeps the cursors it was recorded with, so it can be replayed again.
  const { replay } = run.ledger.state;
  const origin = replay === undefined ? undefined : replayedRecord(replay, cursor);
  const record =
    origin === undefined
      ? { ...skipped.record, after: cursor }
      : { ...skipped.record, cursor: origin.cursor, after: origin.after };
  run.ledger.skip(cursor, record, maxRecorded, weight);
  run.emit('iteration.itemSkipped', {
    failedItem: record,
    error: skipped.error,
    skipped: run.ledger.state.skipped ?? 0,
  });
}

export class ItemGuard {
  readonly #policy: ResolvedItemPolicy;
  readonly #run: GuardedRun;

  constructor(policy: ResolvedItemPolicy, run: GuardedRun) {
    this.#policy = policy;
    this.#run = run;
  }

  /** Runs the step for one item; a promise only when the step returned one or failed. */
  step(item: unknown): unknown {
    let pending: unknown;
    try {
      pending = this.#run.eachIteration(item);
    } catch (error) {
      return this.#failed(item, error);
    }
    if (isThenable(pending)) {
      return Promise.resolve(pending).then(undefined, (error: unknown) =>
        this.#failed(item, error),
      );
    }
    return pending;
  }

  async #failed(item: unknown, first: unknown): Promise<void> {
    const run = this.#run;
    const { retries, retryDelayMs } = this.#policy;
    let error = first;
    let tries = 1;
    for (;;) {
      if (isInterruptError(error, run.signal) || isMarkedTransient(error)) throw error;
      if (tries > retries) break;
      const delayMs = retryDelayMs * 2 ** (tries - 1);
      run.logger.warn(
        { err: error, tries, delayMs },
        `an item failed (${describeError(error)}); trying it again in place`,
      );
      await sleep(delayMs, run.signal);
      // A shutdown while waiting: the item is redone by the next run.
      if (run.signal.aborted) throw run.signal.reason;
      tries++;
      try {
        await run.eachIteration(item);
        return;
      } catch (again) {
        error = again;
      }
    }
    if (this.#policy.action === 'fail') throw error;
    this.#checkThreshold(error, run.weigh === undefined ? 1 : run.weigh(item));
    const err = error instanceof Error ? error : new Error(String(error));
    run.skippedItem = { record: record(run, item, err, tries), error: err };
    run.logger.warn(
      { err: error, tries, cursor: run.ledger.state.cursor },
      `skipping an item that failed ${tries} times (${describeError(error)}); recorded for replay`,
    );
  }

  /**
   * Throws when skipping one more item (`weight` rows of a batch) would pass `maxSkipped` or
   * `maxSkippedShare`.
   */
  #checkThreshold(error: unknown, weight: number): void {
    const { state } = this.#run.ledger;
    const { maxSkipped, maxSkippedShare } = this.#policy;
    const before = state.skipped ?? 0;
    const after = before + weight;
    const visited = state.processed + after;
    let why: string | undefined;
    if (after > maxSkipped) why = `more than maxSkipped (${maxSkipped}) items`;
    else if (
      maxSkippedShare !== undefined &&
      visited >= SHARE_MIN_ITEMS &&
      after / visited > maxSkippedShare
    ) {
      why = `more than maxSkippedShare (${maxSkippedShare * 100} %) of the ${visited} items visited`;
    }
    if (why === undefined) return;
    const run = this.#run;
    throw new ItemFailuresExceededError(
      `${run.label} would skip ${why} (${before} skipped, ${state.processed} processed); the ` +
        `failures look systemic, so the attempt fails instead. Last error: ${describeError(error)}. ` +
        'Fix the cause and retry the job (it resumes at this item), or raise the threshold in ' +
        '`itemErrors`.',
      { jobName: run.definition.name, skipped: before, processed: state.processed, cause: error },
    );
  }
}

function record(
  run: GuardedRun,
  item: unknown,
  e: Error,
  tries: number,
): Omit<FailedItem, 'after'> {
  return {
    cursor: run.ledger.state.cursor,
    item: preview(item, PREVIEW_CHARS),
    error: {
      name: e.name,
      message: cut(e.message, MESSAGE_CHARS),
      ...(typeof e.stack === 'string' ? { stack: cut(e.stack, STACK_CHARS) } : {}),
    },
    at: Date.now(),
    attempt: run.job.attemptsMade + 1,
    tries,
    ...(run.ledger.state.step === undefined ? {} : { step: run.ledger.state.step.name }),
  };
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
