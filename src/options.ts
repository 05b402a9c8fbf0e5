/**
 * Options of iteration workers: documented where typed, defaulted in one object, validated once
 * into a resolved form so the runtime never checks them again.
 */
import { IterationDefinitionError } from './errors.js';
import type { LoggerOption } from './logger-option.js';
import type { ThrottleOption } from './throttle/condition.js';
import type { ResolvedThrottle } from './throttle/resolve.js';
import { resolveThrottle } from './throttle/resolve.js';

/** How checkpoints are written; see `IterationJobDefinition.checkpointMode`. */
export type CheckpointMode = 'coalesced' | 'strict';

export interface IterationOptions {
  /**
   * Pino logger, each job getting a child bound to queue, job name and id; `false` for no logs;
   * or a level (`'warn'`) for the library's own logger at that level.
   * @defaultValue the library's pino logger on stdout, at `LOG_LEVEL` or `info`
   */
  readonly logger?: LoggerOption;
  /**
   * Installs SIGTERM/SIGINT handlers: the first signal closes the worker gracefully (every running
   * job finishes its item, checkpoints and requeues itself), a second one exits at once.
   * @defaultValue true
   */
  readonly handleSignals?: boolean;
  /**
   * How long a graceful close waits for running jobs to reach an item boundary. When it runs out,
   * jobs still inside an item are requeued from their last checkpoint (that item is redone by the
   * next worker) so the process can exit before a typical 30 s kill grace period ends.
   * @defaultValue 20_000
   */
  readonly shutdownTimeoutMs?: number;
  /** Default checkpoint mode of the worker's jobs. @defaultValue 'coalesced' */
  readonly checkpointMode?: CheckpointMode;
  /**
   * Minimum time between two background checkpoint writes of one job in coalesced mode (0: one as
   * soon as the last returned); a job's own `checkpointIntervalMs` overrides it. Unset, writes
   * follow the store's pace: spaced by the store's write latency, the runs writing to it and the
   * run's partitions, never later than half of `maxCheckpointLagMs` and started early once half of
   * `maxCheckpointLagItems` items wait, so a crash redoes no more than those bounds. Set it to
   * trade a larger redo window for fewer writes; interruptions and failures always flush.
   * @defaultValue the store's pace
   */
  readonly checkpointIntervalMs?: number;
  /** How often a running job publishes its progress object at most. @defaultValue 1_000 */
  readonly progressIntervalMs?: number;
  /** Default wall-time limit of one run; see the job option. @defaultValue unlimited */
  readonly maxRuntimeMs?: number;
  /** Delay before an interrupted job becomes available again. @defaultValue 0 */
  readonly requeueDelayMs?: number;
  /**
   * How often a running job looks for a pause or cancel request made from any process: the delay
   * before such a request takes effect (plus the item in flight). The partitions of a parallel run
   * that one worker runs share their reads of the run's request and settings, one each per
   * interval, so a request made on the run reaches them within two intervals. @defaultValue 1_000
   */
  readonly controlPollIntervalMs?: number;
  /**
   * Throttle conditions for every iteration job of the worker, checked before those of the job
   * itself; a job condition with the same name replaces the worker's. See the throttling guide.
   * @defaultValue none
   *
   * @example
   * ```ts
   * new IterationWorker('maintenance', jobs, { connection, throttle: [eventLoopDelay(), replicaLag] });
   * ```
   */
  readonly throttle?: ThrottleOption;
  /**
   * How long a run retries in place when a resource it uses fails transiently (a dropped database
   * connection, a server restart, a timeout: see `isTransientError`): checkpoint writes are retried
   * with the newest state, the enumerator is rebuilt at the last finished item. Past it, the run
   * requeues itself from its last durable checkpoint with a growing backoff (1 s doubling to
   * 1 min), counting no attempt. Keep it below `lockDuration` (30 s by default).
   * @defaultValue 15_000
   */
  readonly transientRetryMs?: number;
  /**
   * How long one transient outage may last, across requeues, before the error fails the attempt
   * (and BullMQ's `attempts` decide what comes next). @defaultValue 1_800_000 (30 min)
   */
  readonly maxOutageMs?: number;
  /**
   * Backpressure on a slow or failing checkpoint store, in coalesced mode: the loop waits for the
   * write in flight once more than this many items finished past the newest durable checkpoint.
   * A crash or a lost lock redoes at most about this many items, whatever the store's latency;
   * `maxCheckpointLagMs` bounds the same window in time, and is the one that binds for items
   * slower than 10 µs. A hundred thousand items is a tenth of a second of work at a microsecond an
   * item: the bound costs such fast items one write per 50,000 of them (a write costs the worker
   * tens to hundreds of microseconds: a Redis command, a PostgreSQL transaction, or PGlite's whole
   * server in the job's own thread), so a loop of no-op items keeps most of its speed. Set it
   * lower to cap duplicates of fast items more tightly, at that cost. @defaultValue 100_000
   */
  readonly maxCheckpointLagItems?: number;
  /**
   * Backpressure in time: the loop waits for a checkpoint write that has been out this long, so a
   * hung store does not let slow items pile up past it. @defaultValue 1_000
   */
  readonly maxCheckpointLagMs?: number;
  /**
   * A job whose name this worker does not know (a new job type during a rolling deploy, an old
   * worker still running) goes back to the queue, for a worker that knows it, for this long after
   * the first worker saw it; then it fails with `UnknownJobError`. @defaultValue 600_000 (10 min)
   */
  readonly unknownJobGraceMs?: number;
  /**
   * A run last written by a newer `version` of its job than this worker's goes back to the queue,
   * for a worker of that version, for this long after the first worker gave it back (a rolling
   * deploy); then it fails with `VersionSkewError` (a rollback). @defaultValue 600_000 (10 min)
   */
  readonly versionSkewGraceMs?: number;
}

export const ITERATION_DEFAULTS = {
  handleSignals: true,
  shutdownTimeoutMs: 20_000,
  checkpointMode: 'coalesced',
  checkpointIntervalMs: undefined,
  progressIntervalMs: 1_000,
  maxRuntimeMs: undefined,
  requeueDelayMs: 0,
  controlPollIntervalMs: 1_000,
  throttle: undefined,
  transientRetryMs: 15_000,
  maxOutageMs: 1_800_000,
  maxCheckpointLagItems: 100_000,
  maxCheckpointLagMs: 1_000,
  unknownJobGraceMs: 600_000,
  versionSkewGraceMs: 600_000,
} as const satisfies Omit<
  Required<IterationOptions>,
  'logger' | 'maxRuntimeMs' | 'throttle' | 'checkpointIntervalMs'
> & {
  maxRuntimeMs: undefined;
  throttle: undefined;
  checkpointIntervalMs: undefined;
};

/**
 * BullMQ worker options whose BullMQ default does not suit iteration jobs. BullMQ never resets a
 * job's stalled counter and fails a job once it stalls more than `maxStalledCount` times (default
 * 1) in its whole life; a job that checkpoints after every item loses little to a crash, so it may
 * survive several hard kills (OOM, SIGKILL after a grace period) over a long run.
 */
export const BULLMQ_OVERRIDES = {
  maxStalledCount: 10,
} as const;

export interface ResolvedIterationOptions {
  readonly handleSignals: boolean;
  readonly shutdownTimeoutMs: number;
  readonly checkpointMode: CheckpointMode;
  /** Undefined: the store's pace (see src/runtime/checkpoint-pace.ts). */
  readonly checkpointIntervalMs: number | undefined;
  readonly progressIntervalMs: number;
  readonly maxRuntimeMs: number | undefined;
  readonly requeueDelayMs: number;
  readonly controlPollIntervalMs: number;
  /** The worker's default throttle, validated; empty when there is none. */
  readonly throttle: ResolvedThrottle;
  readonly transientRetryMs: number;
  readonly maxOutageMs: number;
  readonly maxCheckpointLagItems: number;
  readonly maxCheckpointLagMs: number;
  readonly unknownJobGraceMs: number;
  readonly versionSkewGraceMs: number;
}

export function resolveIterationOptions(
  options: IterationOptions,
  owner: string,
): ResolvedIterationOptions {
  const o = { ...ITERATION_DEFAULTS, ...stripUndefined(options) };
  if (typeof o.handleSignals !== 'boolean') {
    throw new IterationDefinitionError(
      `${owner}: expected \`handleSignals\` to be a boolean, got \`${String(o.handleSignals)}\` (${typeof o.handleSignals}).`,
    );
  }
  validateCheckpointMode(o.checkpointMode, owner);
  validateOptionalDuration(o.maxRuntimeMs, 'maxRuntimeMs', owner);
  return Object.freeze({
    handleSignals: o.handleSignals,
    shutdownTimeoutMs: validateDuration(o.shutdownTimeoutMs, 'shutdownTimeoutMs', owner, true),
    checkpointMode: o.checkpointMode,
    checkpointIntervalMs:
      o.checkpointIntervalMs === undefined
        ? undefined
        : validateDuration(o.checkpointIntervalMs, 'checkpointIntervalMs', owner),
    progressIntervalMs: validateDuration(o.progressIntervalMs, 'progressIntervalMs', owner, true),
    maxRuntimeMs: o.maxRuntimeMs,
    requeueDelayMs: validateDuration(o.requeueDelayMs, 'requeueDelayMs', owner),
    controlPollIntervalMs: validateDuration(
      o.controlPollIntervalMs,
      'controlPollIntervalMs',
      owner,
      true,
    ),
    throttle: resolveThrottle(o.throttle, { owner }),
    transientRetryMs: validateDuration(o.transientRetryMs, 'transientRetryMs', owner),
    maxOutageMs: validateDuration(o.maxOutageMs, 'maxOutageMs', owner),
    maxCheckpointLagItems: validateCount(o.maxCheckpointLagItems, 'maxCheckpointLagItems', owner),
    maxCheckpointLagMs: validateDuration(o.maxCheckpointLagMs, 'maxCheckpointLagMs', owner, true),
    unknownJobGraceMs: validateDuration(o.unknownJobGraceMs, 'unknownJobGraceMs', owner),
    versionSkewGraceMs: validateDuration(o.versionSkewGraceMs, 'versionSkewGraceMs', owner),
  });
}

/** BullMQ's own options among a worker's: the iteration options (and `logger`) left out. */
export function bullmqWorkerOptions<O extends object>(options: O): O {
  const own = new Set<string>([...Object.keys(ITERATION_DEFAULTS), 'logger', 'openTelemetry']);
  return Object.fromEntries(Object.entries(options).filter(([key]) => !own.has(key))) as O;
}

/** A copy of `value` without its `undefined` fields, so defaults fill them. */
export function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A finite number of milliseconds ≥ 0 (> 0 when `positive`). */
export function validateDuration(
  value: unknown,
  name: string,
  owner: string,
  positive = false,
): number {
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < 0 ||
    (positive && value === 0)
  ) {
    throw new IterationDefinitionError(
      `${owner}: expected \`${name}\` to be a ${positive ? 'positive' : 'non-negative'} finite number of milliseconds, ` +
        `got \`${String(value)}\` (${typeof value}).`,
    );
  }
  return value;
}

/** A whole number ≥ 1. */
function validateCount(value: unknown, name: string, owner: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new IterationDefinitionError(
      `${owner}: expected \`${name}\` to be a whole number ≥ 1, got \`${String(value)}\` (${typeof value}).`,
    );
  }
  return value;
}

export function validateOptionalDuration(value: unknown, name: string, owner: string): void {
  if (value !== undefined) validateDuration(value, name, owner, true);
}

export function validateCheckpointMode(
  value: unknown,
  owner: string,
): asserts value is CheckpointMode | undefined {
  if (value !== undefined && value !== 'coalesced' && value !== 'strict') {
    throw new IterationDefinitionError(
      `${owner}: expected \`checkpointMode\` to be 'coalesced' or 'strict', got \`${String(value)}\`.`,
    );
  }
}
