/**
 * Accounting of transient outages, kept in a job's iteration state: how often a run requeued itself
 * because a resource it needs stayed unavailable past `transientRetryMs`, how long it waited, and
 * since when the current outage lasts, which is what `maxOutageMs` is measured against. Like the
 * throttle stats, and apart from them: a throttle is a health check that said no, an outage is a
 * call that failed. Pure functions over plain JSON; free when nothing changes.
 */
import { exponentialBackoff } from '../throttle/backoff.js';

export interface OutageStats {
  /** Runs requeued after a transient failure, over the life of the job. */
  readonly timesRequeued: number;
  /** Time spent waiting after those requeues, summed over closed waits. */
  readonly waitedMs: number;
  /** Requeues in a row since an item last succeeded: what the backoff grows with. */
  readonly consecutive: number;
  /** When the first failure of the current outage happened (epoch ms); `null` when none. */
  readonly since: number | null;
  /** When the current wait began; `null` while the job is not waiting. */
  readonly waitingSince: number | null;
  /** The latest transient error, described; `null` before the first. */
  readonly lastError: string | null;
}

export const NO_OUTAGE: OutageStats = Object.freeze({
  timesRequeued: 0,
  waitedMs: 0,
  consecutive: 0,
  since: null,
  waitingSince: null,
  lastError: null,
});

/**
 * Backoff of a requeue after a transient failure: 1 s doubling up to 1 min, minus up to 20 %
 * jitter, so the jobs one incident stopped come back spread out, and notice recovery quickly.
 */
export const outageBackoff = exponentialBackoff({ baseMs: 1_000, factor: 2, maxMs: 60_000 });

/**
 * A run requeues itself at `at` over `error`; `firstFailureAt` is when this run first met it.
 * Counts the requeue, grows the streak and opens a wait; the outage began at its first failure.
 */
export function recordOutage(
  stats: OutageStats,
  error: string,
  at: number,
  firstFailureAt: number,
): OutageStats {
  const closed = recordOutageResumed(stats, at);
  return {
    timesRequeued: closed.timesRequeued + 1,
    waitedMs: closed.waitedMs,
    consecutive: closed.consecutive + 1,
    since: closed.since ?? firstFailureAt,
    waitingSince: at,
    lastError: error,
  };
}

/** A run starts at `at`: the wait that began with the previous requeue, if any, ends now. */
export function recordOutageResumed(stats: OutageStats, at: number): OutageStats {
  if (stats.waitingSince === null) return stats;
  return {
    ...stats,
    waitedMs: stats.waitedMs + Math.max(0, at - stats.waitingSince),
    waitingSince: null,
  };
}

/** An item succeeded: the outage is over, so the next one starts its backoff and clock afresh. */
export function recordOutageOver(stats: OutageStats): OutageStats {
  return stats.since === null && stats.consecutive === 0
    ? stats
    : { ...stats, consecutive: 0, since: null };
}

/** Reads stats back from stored state; a damaged field reads as its zero. */
export function readOutageStats(stored: unknown): OutageStats {
  if (typeof stored !== 'object' || stored === null) return NO_OUTAGE;
  const s = stored as Record<string, unknown>;
  const count = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);
  const time = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return {
    timesRequeued: count(s['timesRequeued']),
    waitedMs: count(s['waitedMs']),
    consecutive: count(s['consecutive']),
    since: time(s['since']),
    waitingSince: time(s['waitingSince']),
    lastError: typeof s['lastError'] === 'string' ? s['lastError'] : null,
  };
}
