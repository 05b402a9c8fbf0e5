import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { IterationDefinitionError } from '../../../src/errors.js';
import { defaultBackoff, exponentialBackoff } from '../../../src/throttle/index.js';

describe('exponentialBackoff', () => {
  it('grows by the factor per throttle in a row and stops at the cap', () => {
    const backoff = exponentialBackoff({ baseMs: 1_000, factor: 2, maxMs: 10_000, jitter: 0 });
    expect([1, 2, 3, 4, 5, 6, 50, 10_000].map(backoff)).toEqual([
      1_000, 2_000, 4_000, 8_000, 10_000, 10_000, 10_000, 10_000,
    ]);
  });

  it('treats a streak below 1 (or not a number) as the first throttle', () => {
    const backoff = exponentialBackoff({ baseMs: 1_000, jitter: 0 });
    expect([0, -3, Number.NaN].map(backoff)).toEqual([1_000, 1_000, 1_000]);
  });

  it('takes at most the jitter share off, so the delay stays within [(1 − jitter) × d, d]', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (consecutive, random, jitter) => {
          const exact = exponentialBackoff({ baseMs: 500, maxMs: 60_000, jitter: 0 })(consecutive);
          const delay = exponentialBackoff({
            baseMs: 500,
            maxMs: 60_000,
            jitter,
            random: () => random,
          })(consecutive);
          expect(delay).toBeLessThanOrEqual(60_000);
          expect(delay).toBeLessThanOrEqual(exact);
          expect(delay).toBeGreaterThanOrEqual(Math.floor(exact * (1 - jitter)));
        },
      ),
    );
  });

  it('spreads delays with the default random source', () => {
    const delays = new Set(Array.from({ length: 50 }, () => defaultBackoff(3)));
    expect(delays.size).toBeGreaterThan(10);
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(16_000);
      expect(delay).toBeLessThanOrEqual(20_000);
    }
  });

  it('defaults to 5 s doubling up to 5 min with 20 % jitter', () => {
    const top = exponentialBackoff({ random: () => 0 });
    const bottom = exponentialBackoff({ random: () => 0.999_999 });
    expect([1, 2, 7, 8].map(top)).toEqual([5_000, 10_000, 300_000, 300_000]);
    expect([1, 2, 7].map(bottom)).toEqual([4_000, 8_000, 240_000]);
  });

  it('rejects bad options at once, naming the option', () => {
    expect(() => exponentialBackoff({ baseMs: -1 })).toThrow(IterationDefinitionError);
    expect(() => exponentialBackoff({ maxMs: 0 })).toThrow(/exponentialBackoff\(\) option maxMs/);
    expect(() => exponentialBackoff({ factor: 0.5 })).toThrow(
      /option factor: expected a number from 1 to 1000/,
    );
    expect(() => exponentialBackoff({ jitter: 1.5 })).toThrow(
      /option jitter: expected a number from 0 to 1, got `1.5`/,
    );
  });
});
