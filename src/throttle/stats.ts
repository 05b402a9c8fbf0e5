/**
 * Time accounting of throttling, kept in a job's persisted iteration state and progress so an
 * operator sees "throttled 12 times, 6 min" for a run. Pure functions over a plain JSON object;
 * each returns the same object when nothing changes, so calling them per item costs nothing.
 */
import { formatDuration } from './duration.js';

/** How much a job has been throttled. Plain JSON: store it as it is. */
export interface ThrottleStats {
  /** Throttles over the life of the job. */
  readonly timesThrottled: number;
  /** Time spent waiting after throttles, summed over closed waits. */
  readonly throttledMs: number;
  /** Throttles in a row since a check last passed: what the backoff grows with. */
  readonly consecutive: number;
  /** `Date.now()` when the current wait began; `null` while the job is not waiting. */
  readonly throttledSince: number | null;
  /** Condition of the latest throttle; `null` before the first. */
  readonly lastCondition: string | null;
}

/**
 * Stats of a job never throttled.
 *
 * @example
 * ```ts
 * let stats = stored.throttle ?? NO_THROTTLE_STATS;
 * ```
 */
export const NO_THROTTLE_STATS: ThrottleStats = Object.freeze({
  timesThrottled: 0,
  throttledMs: 0,
  consecutive: 0,
  throttledSince: null,
  lastCondition: null,
});

/**
 * A throttle decided at `at`: counts it, grows the streak and starts a wait (closing an open one).
 *
 * @example
 * ```ts
 * stats = recordThrottled(stats, decision.condition, Date.now());
 * ```
 */
export function recordThrottled(
  stats: ThrottleStats,
  condition: string,
  at: number = Date.now(),
): ThrottleStats {
  const closed = recordResumed(stats, at);
  return {
    timesThrottled: closed.timesThrottled + 1,
    throttledMs: closed.throttledMs,
    consecutive: closed.consecutive + 1,
    throttledSince: at,
    lastCondition: condition,
  };
}

/**
 * The job runs again at `at`: closes the open wait, if any, into `throttledMs`. Wall-clock time, as
 * the job may resume on another machine; a clock behind the previous one adds nothing.
 *
 * @example
 * ```ts
 * stats = recordResumed(stats, Date.now()); // at the start of every run
 * ```
 */
export function recordResumed(stats: ThrottleStats, at: number = Date.now()): ThrottleStats {
  if (stats.throttledSince === null) return stats;
  return {
    ...stats,
    throttledMs: stats.throttledMs + Math.max(0, at - stats.throttledSince),
    throttledSince: null,
  };
}

/**
 * Every condition passed: the streak ends, so the next throttle starts the backoff over.
 *
 * @example
 * ```ts
 * if (decision === undefined) stats = recordPassed(stats); // free when nothing changes
 * ```
 */
export function recordPassed(stats: ThrottleStats): ThrottleStats {
  return stats.consecutive === 0 ? stats : { ...stats, consecutive: 0 };
}

/**
 * Reads stats back from stored state, tolerating their absence (a job stored before throttling
 * existed) and replacing a damaged field by its zero rather than failing the job over bookkeeping.
 *
 * @example
 * ```ts
 * const stats = readThrottleStats(state.throttle);
 * ```
 */
export function readThrottleStats(stored: unknown): ThrottleStats {
  if (typeof stored !== 'object' || stored === null) return NO_THROTTLE_STATS;
  const s = stored as Record<string, unknown>;
  const count = (value: unknown) =>
    typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;
  return {
    timesThrottled: count(s['timesThrottled']),
    throttledMs: count(s['throttledMs']),
    consecutive: count(s['consecutive']),
    throttledSince:
      typeof s['throttledSince'] === 'number' && Number.isFinite(s['throttledSince'])
        ? s['throttledSince']
        : null,
    lastCondition: typeof s['lastCondition'] === 'string' ? s['lastCondition'] : null,
  };
}

/**
 * One line for logs and progress: `throttled 12 times, 6 min (last: replica-lag)`. An open wait
 * counts up to `now`.
 *
 * @example
 * ```ts
 * formatThrottleStats(stats); // 'not throttled' or 'throttled 1 time, 30 s (last: replica-lag)'
 * ```
 */
export function formatThrottleStats(stats: ThrottleStats, now: number = Date.now()): string {
  if (stats.timesThrottled === 0) return 'not throttled';
  const openMs = stats.throttledSince === null ? 0 : Math.max(0, now - stats.throttledSince);
  const times = stats.timesThrottled === 1 ? '1 time' : `${stats.timesThrottled} times`;
  const last = stats.lastCondition === null ? '' : ` (last: ${stats.lastCondition})`;
  return `throttled ${times}, ${formatDuration(stats.throttledMs + openMs)}${last}`;
}
