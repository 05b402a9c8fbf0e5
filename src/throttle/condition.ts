/**
 * The `throttle` option as users write it on a job definition (and on a worker, as its default):
 * one condition or a list, each a check plus a backoff. `resolve.ts` validates it once.
 */
import type { Job } from 'bullmq';

import type { HealthCheck } from './health/health-check.js';

/** What a throttle check receives, before the next item or batch is fetched. */
export interface ThrottleCheckContext<Params = unknown, Cursor = unknown> {
  /** The job's params, as the definition types them. */
  readonly params: Params;
  /** Cursor of the last finished item; `null` before the first. */
  readonly cursor: Cursor | null;
  /** The running BullMQ job. */
  readonly job: Job<Params>;
}

/**
 * Decides whether to throttle now: `true` means "stop here, checkpoint and come back later".
 * Keep it cheap — it runs before every item or batch — or make it a cached {@link HealthCheck}.
 */
export type ThrottleCheck<Params = unknown, Cursor = unknown> = (
  ctx: ThrottleCheckContext<Params, Cursor>,
) => boolean | Promise<boolean>;

/**
 * Delay before a throttled job runs again, from the number of times in a row it has now been
 * throttled (`consecutive` ≥ 1; it restarts at 1 once a check passes).
 */
export type BackoffFunction = (consecutive: number) => number;

interface ConditionBase {
  /**
   * Delay before the job runs again: milliseconds, or a function of `consecutive`.
   * @defaultValue `exponentialBackoff()`: 5 s doubling up to 5 min, minus up to 20 % jitter
   */
  readonly backoffMs?: number | BackoffFunction;
}

/** A condition given as a function of the job's context. */
export interface ThrottleFunctionCondition<
  Params = unknown,
  Cursor = unknown,
> extends ConditionBase {
  /** Shown in `throttled` events, logs and progress; unique within the job's conditions. */
  readonly name: string;
  /** `true` means "throttle now". A check that throws, hangs or returns a non-boolean throttles too. */
  readonly check: ThrottleCheck<Params, Cursor>;
  /**
   * How long an asynchronous check may take before it counts as "throttle now".
   * @defaultValue 5_000
   */
  readonly timeoutMs?: number;
}

/** A condition given as a cached, shared health check: throttles while the check is unhealthy. */
export interface ThrottleHealthCondition extends ConditionBase {
  /** @defaultValue the health check's own name */
  readonly name?: string;
  readonly check: HealthCheck;
}

/**
 * One throttle condition: a check with a name and a backoff, or a health check on its own (then
 * named after it, with the default backoff).
 */
export type ThrottleCondition<Params = unknown, Cursor = unknown> =
  ThrottleFunctionCondition<Params, Cursor> | ThrottleHealthCondition | HealthCheck;

/**
 * The `throttle` option: one condition or a list. Conditions are checked in order before each item
 * or batch; the first that holds throttles the job with its own backoff.
 *
 * @example
 * ```ts
 * const throttle: ThrottleOption<{ shopId: string }, number> = [
 *   replicaLag, // a health check, shared by every job that lists it
 *   {
 *     name: 'business-hours',
 *     check: () => new Date().getUTCHours() >= 8 && new Date().getUTCHours() < 18,
 *     backoffMs: 15 * 60_000,
 *   },
 * ];
 * ```
 */
export type ThrottleOption<Params = unknown, Cursor = unknown> =
  ThrottleCondition<Params, Cursor> | readonly ThrottleCondition<Params, Cursor>[];
