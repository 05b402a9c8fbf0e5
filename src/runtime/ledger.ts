/**
 * The figures of one run on top of the job's persisted state: what the checkpoint saves, what
 * progress publishes, what events carry and what a finished job returns. The run mutates
 * `state` in place (the loop's `advance` is the hot path); everything else is derived on demand.
 */
import type { Job } from 'bullmq';

import type { IterationEvent } from '../events.js';
import type { JsonValue } from '../json.js';
import type { ThrottleDecision } from '../throttle/evaluate.js';
import type { DurablePosition } from './effect-scope.js';
import type { FailedItem, ReplayState } from './item-policy.js';
import type { OutageStats } from './outage.js';
import type { ProgressFigures } from './progress.js';
import type { RunRate } from './run-rate.js';
import type {
  DurableExtras,
  IterationState,
  MigrationRecord,
  RestartRecord,
  SplitRecord,
} from './state.js';
import { EXTRAS, extrasOf, initialState } from './state.js';
import type { StepState } from './step-state.js';

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
    const after = afterSkip(state, record, maxRecorded, weight);
    state.cursor = cursor;
    state.skipped = after.skipped;
    if (after.failedItems !== undefined) state.failedItems = [...after.failedItems];
    if (after.failedItemsDropped !== undefined) state.failedItemsDropped = after.failedItemsDropped;
  }

  /**
   * The durable extras the state will have once `record` is skipped (see {@link skip}), for an
   * effect scope that commits them before the ledger applies the skip.
   */
  extrasAfterSkip(
    record: FailedItem,
    maxRecorded: number,
    weight: number,
    base: DurableExtras = extrasOf(this.state),
  ): DurableExtras {
    return { ...base, ...afterSkip(base, record, maxRecorded, weight) };
  }

  /**
   * On the first run of a job made by `restartRun` with a cursor: records the restart and starts
   * there (later runs find it recorded and resume at their own cursor).
   */
  startRestart(record: RestartRecord | undefined): void {
    if (record === undefined || this.state.restart !== undefined) return;
    this.state.restart = record;
    this.state.cursor = record.from;
  }

  /** On a replay's first run: the records it took (see replay.ts). */
  startReplay(replay: ReplayState): void {
    this.state.replay = replay;
  }

  /** onStart ran: later runs resume. */
  markBegun(): void {
    this.state.began = true;
    this.state.startedAt = this.startedAt;
  }

  /** The outage stats, as a requeue after a transient failure or the run after it left them. */
  recordOutage(outage: OutageStats): void {
    this.state.outage = outage;
  }

  /** The enumerator is done: `onComplete` is what is left, even after a failure of it. */
  markCompleting(): void {
    this.state.phase = 'completing';
  }

  /** The run stopped and the job goes back to the queue (a deploy, a limit, the deadline). */
  countInterruption(): void {
    this.state.timesInterrupted++;
  }

  /** An operator cancelled the job: it ends now; the first cancellation recorded stands. */
  markCancelled(reason: string | undefined): void {
    this.state.cancelled ??= { at: Date.now(), ...(reason === undefined ? {} : { reason }) };
  }

  /** The parent of a parallel run planned its partitions, with the job's version then. */
  recordPlan(plan: JsonValue[], version: number): void {
    this.state.parallel = { plan, version };
  }

  /** A rebalancing split: the bounds this partition keeps, and the splits recorded with them. */
  recordSplit(shrunk: JsonValue, splits: readonly SplitRecord[]): void {
    this.state.partition = shrunk;
    (this.state.splits ??= []).push(...splits);
  }

  /** An item finished after a streak of failures: the outage is over. */
  closeOutage(outage: OutageStats | undefined): void {
    if (outage !== undefined) this.state.outage = outage;
  }

  /** The job enters `step`; one it starts begins at cursor `null`. */
  enterStep(step: StepState, starting: boolean): void {
    this.state.step = step;
    if (starting) this.state.cursor = null;
  }

  /** Takes the position an effect scope committed (see `EffectScope.claim`) as the run's own. */
  adoptDurable(position: DurablePosition): void {
    const state = this.state as unknown as Record<string, unknown>;
    this.state.cursor = position.cursor;
    this.state.processed = position.processed;
    const extras = position.extras as Record<string, unknown> | undefined;
    if (extras === undefined) return;
    // Fields the scope does not hold are absent there: its copy is the newest. Extras stored
    // before the scope kept versions may lack the step, which the queue side then still has.
    const complete = extras.version !== undefined;
    for (const key of EXTRAS) {
      if (key === 'step' && !complete && extras.step === undefined) continue;
      const value = extras[key];
      if (value === undefined) delete state[key];
      else state[key] = Array.isArray(value) ? [...(value as unknown[])] : value;
    }
  }

  /** The version of the definition this state is in (see run-version.ts). */
  stampVersion(version: number): void {
    this.state.version = version;
  }

  /**
   * A migration brought the state to `record.toVersion`: its cursor, and its params and step
   * when the migration changed them (`null` step: the job has no steps any more).
   */
  migrate(
    to: { readonly cursor: JsonValue | null; readonly params?: JsonValue; step?: StepState | null },
    record: MigrationRecord,
  ): void {
    const { state } = this;
    state.cursor = to.cursor;
    if (to.params !== undefined) state.params = to.params;
    if (to.step === null) delete state.step;
    else if (to.step !== undefined) state.step = to.step;
    state.version = record.toVersion;
    state.migrated = record;
  }

  /** Running time over all runs so far, this one included. */
  get totalTimeMs(): number {
    return this.#baseTimeMs + (Date.now() - this.startedAt);
  }

  /** The state as the checkpoint stores it. */
  snapshot(): string {
    return JSON.stringify({ ...this.state, totalTimeMs: Math.round(this.totalTimeMs) });
  }

  figures(decision: ThrottleDecision | undefined, rate?: RunRate): ProgressFigures {
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
      rate:
        rate === undefined
          ? undefined
          : { itemsPerSecond: rate.itemsPerSecond, source: rate.source },
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

/** The skip counts and list after skipping `record` (`weight` rows): a batch counts its rows. */
function afterSkip(
  state: DurableExtras,
  record: FailedItem,
  maxRecorded: number,
  weight: number,
): { skipped: number; failedItems?: readonly FailedItem[]; failedItemsDropped?: number } {
  const skipped = (state.skipped ?? 0) + weight;
  const list = state.failedItems ?? [];
  if (list.length < maxRecorded) return { skipped, failedItems: [...list, record] };
  return {
    skipped,
    ...(state.failedItems === undefined ? {} : { failedItems: list }),
    failedItemsDropped: (state.failedItemsDropped ?? 0) + 1,
  };
}
