/**
 * What the code of a job receives: the arguments of `buildEnumerator`, `partitions` and
 * `splitPartition`, and the context every callback and step gets. Types only; the definition that
 * uses them is in job-definition.ts.
 */
import type { Job } from 'bullmq';
import type { Logger } from 'pino';

import type { EnumeratorSource } from './enumerator.js';

export type MaybePromise<T> = T | Promise<T>;

/** What `buildEnumerator` receives. */
// `any` by default so that `partition.from` reads without annotations; `partitions` infers it.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface BuildEnumeratorArgs<Params, Cursor = unknown, Partition = any> {
  /** The job's params: its BullMQ data, as given to `enqueue` (after `parseParams`, if any). */
  readonly params: Params;
  /** `null` on the first run; afterwards the cursor of the last finished item. */
  readonly cursor: Cursor | null;
  readonly job: Job<Params>;
  /** The partition this job processes, in a parallel run (see `partitions`); else `undefined`. */
  readonly partition: Partition;
}

/** What `splitPartition` receives: a running partition and where it stands. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface SplitPartitionArgs<Params, Cursor, Partition = any> {
  /** The partition's bounds now: as planned, or as an earlier split left them. */
  readonly partition: Partition;
  /** The partition's durable cursor (`null` before its first item); nothing is in flight. */
  readonly cursor: Cursor | null;
  readonly params: Params;
  /** The partition's job. */
  readonly job: Job;
}

/** What `partitions` receives: the run's params and its parent job. */
export interface PartitionsArgs<Params> {
  readonly params: Params;
  readonly job: Job<Params>;
}

/** What every callback of a job receives, one object per run. */
export interface IterationContext<Params, Cursor> {
  readonly params: Params;
  readonly job: Job<Params>;
  /** Cursor of the last finished item (`null` before the first). */
  readonly cursor: Cursor | null;
  /** Items finished over the whole life of the job, across runs. */
  readonly processed: number;
  /** How many earlier runs of this job were interrupted and requeued. */
  readonly timesInterrupted: number;
  /** How many earlier runs of this job ended throttled (not counted in `timesInterrupted`). */
  readonly timesThrottled: number;
  /** Time this job has spent waiting after throttles, in milliseconds. */
  readonly throttledMs: number;
  /** Running time summed over every run of the job so far, in milliseconds. */
  readonly totalTimeMs: number;
  /** In a job made of `steps`: the name of the step running now; `undefined` in other jobs. */
  readonly step: string | undefined;
  /** A pino child logger bound to the queue, the job name and the job id. */
  readonly logger: Logger;
  /**
   * Aborts when this run must wind down (shutdown, `maxRuntimeMs`, a cancel, a lost lock). The
   * runtime stops at the next item boundary by itself; pass the signal to slow calls inside
   * `eachIteration` to give up sooner (the unfinished item is redone by the next run).
   */
  readonly signal: AbortSignal;
  /** Finishes early: no more items, the job completes and `onComplete` runs. */
  stop(): void;
}

/** What `eachIteration` receives: the run's context plus the item in hand. */
export interface ItemContext<Params, Cursor, Tx = undefined> extends IterationContext<
  Params,
  Cursor
> {
  /**
   * The driver's client inside this item's open transaction, for jobs with `transactional` (the
   * cursor is committed in it too); `undefined` otherwise. Use it only inside the step, and never
   * begin, commit or roll back on it. See the exactly-once guide.
   */
  readonly tx: Tx;
  /**
   * The same string on every try of this item (retries, resumes, crashes): the job id and the
   * item's cursor. Hand it to external services that drop repeated keys (an `Idempotency-Key`).
   */
  readonly idempotencyKey: string;
}

/** The value `buildEnumerator` may return; `null`/`undefined` means there is nothing to do. */
export type BuiltEnumerator<Item, Cursor> = EnumeratorSource<Item, Cursor> | null | undefined;

/** Lifecycle callback; each receives the run's context. */
export type IterationCallback<Params, Cursor> = (
  ctx: IterationContext<Params, Cursor>,
) => MaybePromise<void>;
