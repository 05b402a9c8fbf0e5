/**
 * The figures of one run on top of the job's persisted state: what the checkpoint saves, what
 * progress publishes, what events carry and what a finished job returns. The run mutates
 * `state` in place (the loop's `advance` is the hot path); everything else is derived on demand.
 */
import type { Job } from 'bullmq';

import type { IterationEvent } from '../events.js';
import type { JsonValue } from '../json.js';
import type { ThrottleDecision } from '../throttle/evaluate.js';
import type { FailedItem } from './item-policy.js';
import type { ProgressFigures } from './progress.js';
import type { IterationState } from './state.js';
import { initialState } from './state.js';

/** What a completed job returns, and what BullMQ stores as its `returnvalue`. */
export interface IterationSummary {
  /**
   * `completed` when the enumerator was exhausted or `stop()` was called; `cancelled` when an
   * operator cancelled the job (BullMQ has no cancelled state: the job is completed with this).
   */
  readonly outcome: 'completed' | 'cancelled';
  readonly processed: number;
  readonly timesInterrupted: number;
  /** Runs that ended throttled, over the life of the job. */
  readonly timesThrottled: number;
  /** Time spent waiting after throttles, in milliseconds. */
  readonly throttledMs: number;
  /** Runs requeued after a transient failure; present only when there were any. */
  readonly transientFailures?: number;
  /** Time spent waiting after those requeues, in milliseconds; present only with them. */
  readonly transientMs?: number;
  readonly totalTimeMs: number;
  readonly cursor: JsonValue | null;
  /** Items skipped after failing (see `itemErrors`); present only when there were any. */
  readonly skipped?: number;
  /** True when the job finished through `ctx.stop()` (or `maxItems`) rather than by exhausting its enumerator. */
  readonly stoppedEarly: boolean;
}

export class RunLedger {
  readonly startedAt = Date.now();
  state: IterationState = initialState(this.startedAt);
  /** Items (rows, for batch enumerators) finished by this run. */
  processedThisRun = 0;
  /** Size of the collection, when the enumerator can tell; in rows for batch enumerators. */
  total: number | undefined;
  /** Running time of earlier runs. */
  #baseTimeMs = 0;

  /** Continues from the state earlier runs stored. */
  adopt(state: IterationState): void {
    this.state = state;
    this.#baseTimeMs = state.totalTimeMs;
  }

  /** An item done; `weight` is 1, or its rows for an enumerator that weighs its items. */
  advance(cursor: JsonValue, weight: number): void {
    this.state.cursor = cursor;
    this.state.processed += weight;
    this.processedThisRun += weight;
  }

  /**
   * Moves past an item that was skipped, recording it in the same state as the cursor, so one
   * fenced write stores both: the list of a job that crashed and redid the item has no duplicate.
   */
  skip(cursor: JsonValue, record: FailedItem, maxRecorded: number, weight: number): void {
    const { state } = this;
    state.cursor = cursor;
    // A skipped batch counts its rows, so `processed + skipped` is what the job visited.
    state.skipped = (state.skipped ?? 0) + weight;
    const list = (state.failedItems ??= []);
    if (list.length < maxRecorded) list.push(record);
    else state.failedItemsDropped = (state.failedItemsDropped ?? 0) + 1;
  }

  /** Running time over all runs so far, this one included. */
  get totalTimeMs(): number {
    return this.#baseTimeMs + (Date.now() - this.startedAt);
  }

  /** The state as the checkpoint stores it. */
  snapshot(): string {
    return JSON.stringify({ ...this.state, totalTimeMs: Math.round(this.totalTimeMs) });
  }

  figures(decision: ThrottleDecision | undefined): ProgressFigures {
    const { state } = this;
    return {
      processed: state.processed,
      total: this.total,
      cursor: state.cursor,
      timesInterrupted: state.timesInterrupted,
      timesThrottled: state.throttle?.timesThrottled ?? 0,
      throttledMs: state.throttle?.throttledMs ?? 0,
      throttle:
        decision === undefined
          ? undefined
          : { condition: decision.condition, reason: decision.reason, delayMs: decision.delayMs },
      transientFailures: state.outage?.timesRequeued ?? 0,
      transientMs: state.outage?.waitedMs ?? 0,
      skipped: state.skipped ?? 0,
      step: state.step,
      totalTimeMs: this.totalTimeMs,
    };
  }

  event(job: Job, jobName: string): IterationEvent {
    const { state } = this;
    return {
      job,
      jobName,
      cursor: state.cursor,
      processed: state.processed,
      processedThisRun: this.processedThisRun,
      timesInterrupted: state.timesInterrupted,
      totalTimeMs: Math.round(this.totalTimeMs),
      runTimeMs: Date.now() - this.startedAt,
      ...(state.step === undefined ? {} : { step: state.step.name }),
    };
  }

  summary(outcome: IterationSummary['outcome'], stoppedEarly: boolean): IterationSummary {
    const { state } = this;
    return {
      outcome,
      processed: state.processed,
      timesInterrupted: state.timesInterrupted,
      timesThrottled: state.throttle?.timesThrottled ?? 0,
      throttledMs: state.throttle?.throttledMs ?? 0,
      ...(state.outage !== undefined && state.outage.timesRequeued > 0
        ? { transientFailures: state.outage.timesRequeued, transientMs: state.outage.waitedMs }
        : {}),
      totalTimeMs: Math.round(this.totalTimeMs),
      cursor: state.cursor,
      ...(state.skipped ? { skipped: state.skipped } : {}),
      stoppedEarly,
    };
  }
}
