import { describe, expect, it } from 'vitest';

import {
  formatDuration,
  formatThrottleStats,
  NO_THROTTLE_STATS,
  readThrottleStats,
  recordPassed,
  recordResumed,
  recordThrottled,
} from '../../../src/throttle/index.js';

describe('throttle stats', () => {
  it('counts throttles and the time spent waiting, and resets the streak when a check passes', () => {
    let stats = recordThrottled(NO_THROTTLE_STATS, 'replica-lag', 1_000);
    expect(stats).toEqual({
      timesThrottled: 1,
      throttledMs: 0,
      consecutive: 1,
      throttledSince: 1_000,
      lastCondition: 'replica-lag',
    });
    stats = recordResumed(stats, 31_000);
    // Throttled again at once on resume: the streak grows.
    stats = recordThrottled(stats, 'replica-lag', 31_000);
    stats = recordResumed(stats, 91_000);
    expect(stats).toMatchObject({
      timesThrottled: 2,
      throttledMs: 90_000,
      consecutive: 2,
      throttledSince: null,
    });
    stats = recordPassed(stats);
    expect(stats.consecutive).toBe(0);
    expect(stats.timesThrottled).toBe(2);
  });

  it('closes an open wait when throttled again without a resume in between', () => {
    const stats = recordThrottled(recordThrottled(NO_THROTTLE_STATS, 'a', 0), 'b', 5_000);
    expect(stats).toMatchObject({
      timesThrottled: 2,
      throttledMs: 5_000,
      throttledSince: 5_000,
      lastCondition: 'b',
    });
  });

  it('returns the same object when nothing changes, so per-item calls allocate nothing', () => {
    expect(recordPassed(NO_THROTTLE_STATS)).toBe(NO_THROTTLE_STATS);
    expect(recordResumed(NO_THROTTLE_STATS, 5)).toBe(NO_THROTTLE_STATS);
  });

  it('adds nothing when the resuming machine clock is behind', () => {
    expect(recordResumed(recordThrottled(NO_THROTTLE_STATS, 'a', 10_000), 9_000).throttledMs).toBe(
      0,
    );
  });

  it('survives a JSON round trip and reads damaged or absent state as zeros', () => {
    const stats = recordThrottled(NO_THROTTLE_STATS, 'a', 1);
    expect(readThrottleStats(JSON.parse(JSON.stringify(stats)))).toEqual(stats);
    expect(readThrottleStats(undefined)).toBe(NO_THROTTLE_STATS);
    expect(
      readThrottleStats({
        timesThrottled: -1,
        throttledMs: 'x',
        throttledSince: 'y',
        lastCondition: 3,
      }),
    ).toEqual(NO_THROTTLE_STATS);
  });

  it('formats a line for logs and progress, counting an open wait up to now', () => {
    expect(formatThrottleStats(NO_THROTTLE_STATS)).toBe('not throttled');
    const twelve = {
      ...NO_THROTTLE_STATS,
      timesThrottled: 12,
      throttledMs: 360_000,
      lastCondition: 'replica-lag',
    };
    expect(formatThrottleStats(twelve)).toBe('throttled 12 times, 6 min (last: replica-lag)');
    const open = recordThrottled(NO_THROTTLE_STATS, 'loop', 1_000);
    expect(formatThrottleStats(open, 31_000)).toBe('throttled 1 time, 30 s (last: loop)');
  });

  it('formats durations at a sensible precision', () => {
    expect(
      [0, 850, 1_234, 12_400, 59_400, 372_000, 3_600_000, 3_900_000].map(formatDuration),
    ).toEqual(['0 ms', '850 ms', '1.2 s', '12 s', '59 s', '6 min', '1 h', '1 h 5 min']);
  });
});
