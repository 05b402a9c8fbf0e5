/**
 * Typed lifecycle events that an IterationWorker emits, for metrics and logs. Names are prefixed
 * with `iteration.` so they never collide with BullMQ's own worker events (`completed`, `failed`).
 */
import type { Job } from 'bullmq';

import type { JsonValue } from './json.js';
import type { InterruptReason } from './runtime/interruption.js';
import type { FailedItem } from './runtime/item-policy.js';

/** Figures of a run at the moment of an event. */
export interface IterationEvent {
  readonly job: Job;
  /** The iteration job's name (BullMQ job name). */
  readonly jobName: string;
  readonly cursor: JsonValue | null;
  /** Items finished over the whole life of the job. */
  readonly processed: number;
  /** Items finished by this run. */
  readonly processedThisRun: number;
  readonly timesInterrupted: number;
  /** Running time summed over all runs, in milliseconds. */
  readonly totalTimeMs: number;
  /** Running time of this run, in milliseconds. */
  readonly runTimeMs: number;
  /** In a job made of `steps`: the step the job is in; absent in other jobs. */
  readonly step?: string;
}

/** What `iteration.stepStarted` and `iteration.stepCompleted` add to the figures of the run. */
export interface IterationStepEvent extends IterationEvent {
  /** The step that started or completed. */
  readonly step: string;
  /** Its place among the job's steps, from 0. */
  readonly index: number;
  /** How many steps the job has. */
  readonly count: number;
}

/** What the `iteration.throttled` event adds to the figures of the run. */
export interface IterationThrottledEvent extends IterationEvent {
  /** Name of the throttle condition that held. */
  readonly condition: string;
  /** What the condition saw: `replication lag 12.4 s (limit 10 s)`, `check returned true`. */
  readonly reason: string;
  /** The backoff: the job is due again this many milliseconds after the event. */
  readonly delayMs: number;
  /** Throttles in a row, this one included: what the backoff grew with. */
  readonly consecutive: number;
  /** Throttles over the life of the job, this one included. */
  readonly timesThrottled: number;
  /** Time spent waiting after earlier throttles, in milliseconds. */
  readonly throttledMs: number;
}

/** What the `iteration.recovering` event adds to the figures of the run. */
export interface IterationRecoveringEvent extends IterationEvent {
  /** The transient error that outlasted `transientRetryMs`. */
  readonly error: Error;
  /** The backoff: the job is due again this many milliseconds after the event. */
  readonly delayMs: number;
  /** Requeues in a row over this outage, this one included: what the backoff grew with. */
  readonly consecutive: number;
  /** Requeues after transient failures over the life of the job, this one included. */
  readonly transientFailures: number;
  /** Time spent waiting after earlier such requeues, in milliseconds. */
  readonly transientMs: number;
}

/** What the `iteration.itemSkipped` event adds to the figures of the run. */
export interface IterationItemSkippedEvent extends IterationEvent {
  /** The record stored for the item (its cursor is the one before the item). */
  readonly failedItem: FailedItem;
  /** The item's last error. */
  readonly error: Error;
  /** Items skipped over the life of the job, this one included. */
  readonly skipped: number;
}

export interface IterationWorkerEvents {
  /** The first run of a job begins (after `onStart`). */
  'iteration.started': (event: IterationEvent) => void;
  /** A later run of a job begins (after `onResume`). */
  'iteration.resumed': (event: IterationEvent) => void;
  /** A run was interrupted, checkpointed and requeued. */
  'iteration.interrupted': (event: IterationEvent & { readonly reason: InterruptReason }) => void;
  /**
   * A throttle condition held before the next fetch: the run checkpointed and the job was requeued
   * after the condition's backoff. Not an attempt, not an interruption.
   */
  'iteration.throttled': (event: IterationThrottledEvent) => void;
  /**
   * A resource the run uses stayed unavailable past `transientRetryMs` (a database or Redis
   * restart, dropped connections): the run requeued itself from its last checkpoint after a
   * backoff. Not an attempt, not an interruption.
   */
  'iteration.recovering': (event: IterationRecoveringEvent) => void;
  /**
   * An item failed past its retries and was skipped (`itemErrors: { action: 'skip' }`): its
   * record is stored with the next checkpoint and listed by `getFailedItems`.
   */
  'iteration.itemSkipped': (event: IterationItemSkippedEvent) => void;
  /**
   * A job made of `steps` moved on to a step (recorded before the step runs; an `isolated` step
   * then runs in the next run of the job).
   */
  'iteration.stepStarted': (event: IterationStepEvent) => void;
  /** A step of a job made of `steps` finished: its enumerator is exhausted, or its `run` returned. */
  'iteration.stepCompleted': (event: IterationStepEvent) => void;
  /** The job finished its enumerator (or called `stop()`); BullMQ completes it next. */
  'iteration.completed': (event: IterationEvent) => void;
  /** A run failed; BullMQ retries it or fails the job, per its `attempts`. */
  'iteration.failed': (event: IterationEvent & { readonly error: Error }) => void;
  /** `buildEnumerator` returned null or undefined: the job completes without iterating. */
  'iteration.nilEnumerator': (event: IterationEvent) => void;
  /** A run's enumerator yielded no item at all. */
  'iteration.noItems': (event: IterationEvent) => void;
  /** Another worker owns the job now; this run stopped without touching it. */
  'iteration.lockLost': (event: IterationEvent) => void;
  /** An operator paused the job: it checkpointed and parked until resumed. */
  'iteration.paused': (event: IterationEvent & { readonly reason?: string }) => void;
  /**
   * A step threw `RetryAfter`: the run is parked until `until` (epoch ms), no attempt counted;
   * with `scope: 'run'`, every partition of its parallel run is.
   */
  'iteration.retryAfter': (
    event: IterationEvent & {
      readonly until: number;
      readonly reason?: string;
      readonly scope: 'partition' | 'run';
    },
  ) => void;
  /** An operator cancelled the job: it ended with outcome `cancelled`; BullMQ completes it. */
  'iteration.cancelled': (event: IterationEvent & { readonly reason?: string }) => void;
  /** A lifecycle callback threw where its error cannot change the outcome (`onShutdown`). */
  'iteration.callbackFailed': (
    event: IterationEvent & { readonly callback: string; readonly error: Error },
  ) => void;
}

export type IterationEventName = keyof IterationWorkerEvents;

/** Where the runtime reports events; the worker implements it by emitting them. */
export type EmitIterationEvent = <E extends IterationEventName>(
  event: E,
  ...args: Parameters<IterationWorkerEvents[E]>
) => void;
