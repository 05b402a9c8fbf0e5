/**
 * The few error classes of bullmq-iteration. Each carries the data a caller needs (`cursor`,
 * `jobName`, …) and a message that names the job, the bad value and the fix.
 *
 * Errors that no retry can cure extend BullMQ's `UnrecoverableError`, so BullMQ fails the job at
 * once instead of burning its `attempts` on the same mistake.
 */
import { UnrecoverableError } from 'bullmq';

/** A job definition or worker option is invalid. Thrown synchronously, at definition time. */
export class IterationDefinitionError extends TypeError {
  override readonly name: string = 'IterationDefinitionError';
  /** Name of the job definition at fault, when there is one. */
  readonly jobName: string | undefined;

  constructor(message: string, jobName?: string) {
    super(message);
    this.jobName = jobName;
  }
}

/**
 * A cursor is not usable: it is not plain JSON data (a Date, BigInt, Map, class instance,
 * `undefined`, NaN, a function or a cycle), or its shape does not match the enumerator that
 * received it (a stale cursor from an older version of the job). Fails the job without retry and
 * before anything is written, so the last good checkpoint stays.
 */
export class CursorError extends UnrecoverableError {
  override readonly name = 'CursorError';
  /** The offending cursor, as the code handed it over. */
  readonly cursor: unknown;
  /** Name of the iteration job; filled in by the runtime when an enumerator builder throws. */
  jobName: string | undefined;

  constructor(message: string, options: { cursor: unknown; jobName?: string | undefined }) {
    super(message);
    this.cursor = options.cursor;
    this.jobName = options.jobName;
  }
}

/**
 * An enumerator cannot be used: `buildEnumerator` returned something that is not iterable, a
 * builder got an invalid option (a `batchSize` of 0, an unknown column, a missing file), or an
 * enumerator yielded something that is not an `[item, cursor]` pair. Fails the job without retry.
 */
export class EnumeratorError extends UnrecoverableError {
  override readonly name = 'EnumeratorError';
  /** Name of the iteration job; filled in by the runtime when a builder throws. */
  jobName: string | undefined;
  /** The builder or function at fault (`keyset`, `csv`, `buildEnumerator`, …). */
  readonly source: string;

  constructor(message: string, options: { source: string; jobName?: string | undefined }) {
    super(message);
    this.source = options.source;
    this.jobName = options.jobName;
  }
}

/** A worker received a job whose name none of its iteration jobs carries. Not retried. */
export class UnknownJobError extends UnrecoverableError {
  override readonly name = 'UnknownJobError';
  readonly jobName: string;
  readonly knownNames: readonly string[];

  constructor(jobName: string, knownNames: readonly string[], queueName: string) {
    super(
      `Job name "${jobName}" is not an iteration job of the worker on queue "${queueName}". ` +
        `Known names: ${knownNames.map((n) => `"${n}"`).join(', ') || '(none)'}. ` +
        `Pass its definition in the worker's job list, or enqueue it on a queue whose worker knows it.`,
    );
    this.jobName = jobName;
    this.knownNames = knownNames;
  }
}

/**
 * The iteration state stored for a job cannot be read (it was edited by hand or written by an
 * incompatible version). Not retried: the stored state is left as it is for inspection.
 */
export class CheckpointError extends UnrecoverableError {
  override readonly name = 'CheckpointError';
  readonly jobName: string;
  readonly stored: unknown;

  constructor(message: string, options: { jobName: string; stored: unknown }) {
    super(message);
    this.jobName = options.jobName;
    this.stored = options.stored;
  }
}

/** A job's data was rejected by its definition's `parseParams`. Not retried. */
export class ParamsError extends UnrecoverableError {
  override readonly name = 'ParamsError';
  readonly jobName: string;
  readonly params: unknown;

  constructor(message: string, options: { jobName: string; params: unknown }) {
    super(message);
    this.jobName = options.jobName;
    this.params = options.params;
  }
}

/**
 * A pause, resume, cancel, restart or status request cannot be served: the job does not exist, has
 * already finished (or, for a restart, has not), or is not in a state the request applies to. `code` says which.
 */
export class RunControlError extends Error {
  override readonly name = 'RunControlError';
  /**
   * `not-finished`: a restart of a job still running or waiting; `not-failed`: a retry of a job
   * that did not fail; `invalid`: a request the job cannot take (a parallel run restarted from a
   * cursor).
   */
  readonly code:
    'not-found' | 'finished' | 'not-paused' | 'not-finished' | 'not-failed' | 'invalid';
  readonly jobId: string;
  readonly queueName: string;

  constructor(
    message: string,
    options: { code: RunControlError['code']; jobId: string; queueName: string },
  ) {
    super(message);
    this.code = options.code;
    this.jobId = options.jobId;
    this.queueName = options.queueName;
  }
}

/**
 * An error that says "try again later": the resource an item needs is briefly unavailable. Thrown
 * from `eachIteration` (or an enumerator), it does not fail the attempt: the run retries in place
 * for `transientRetryMs`, then requeues itself from its last checkpoint with a growing backoff, and
 * fails only once the outage has lasted `maxOutageMs`. Errors of the runtime's own calls (checkpoint
 * store, queue, built-in enumerators) are classified this way without being wrapped.
 *
 * @example
 * ```ts
 * async eachIteration(order) {
 *   const res = await fetch(`${billing}/orders/${order.id}`);
 *   if (res.status === 503) throw new TransientError(`billing answered 503 for order ${order.id}`);
 * }
 * ```
 */
export class TransientError extends Error {
  override readonly name: string = 'TransientError';

  constructor(message: string, options?: { readonly cause?: unknown }) {
    super(message, options);
  }
}

/**
 * A job that skips failing items (`itemErrors: { action: 'skip' }`) met one failing item more than
 * its `maxSkipped` or `maxSkippedShare` allow: the failures look systemic, so the attempt fails
 * instead of skipping on. The item in hand is not recorded; the next attempt starts at it. `cause`
 * is that item's error.
 */
export class ItemFailuresExceededError extends Error {
  override readonly name = 'ItemFailuresExceededError';
  readonly jobName: string;
  /** Items skipped before this one, over the life of the job. */
  readonly skipped: number;
  /** Items finished, over the life of the job. */
  readonly processed: number;

  constructor(
    message: string,
    options: { jobName: string; skipped: number; processed: number; cause?: unknown },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.jobName = options.jobName;
    this.skipped = options.skipped;
    this.processed = options.processed;
  }
}

/**
 * A queue's prefix cannot work on a Redis Cluster: `<prefix>:<queue>` has no hash tag, so its keys
 * would spread over slots. Thrown when an IterationWorker is created, and by status and control
 * functions before they touch the queue.
 */
export class RedisClusterError extends TypeError {
  override readonly name = 'RedisClusterError';
  readonly prefix: string;
  readonly queueName: string;

  constructor(message: string, options: { prefix: string; queueName: string }) {
    super(message);
    this.prefix = options.prefix;
    this.queueName = options.queueName;
  }
}
