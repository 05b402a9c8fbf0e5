// The coarse clock keeps moving forward across the wraps of its 32-bit tick counter: a process
// up for months must still see time pass (the loop's yield and the checkpoint lag bound read it).
import { describe, expect, it } from 'vitest';

import { coarseNow, setTicksForTesting, TICK_MS } from '../../../src/runtime/coarse-clock.js';

/** Spins until the clock has moved by `ticks` ticks past `from`, or 10 s pass. */
async function waitPast(from: number, ticks: number): Promise<number> {
  const until = performance.now() + 10_000;
  let now = coarseNow();
  while (now - from < ticks * TICK_MS && performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
    now = coarseNow();
  }
  return now;
}

describe('coarse clock', () => {
  it('moves forward past 2^31 ticks (about 124 days of uptime)', async () => {
    expect(setTicksForTesting(2 ** 31 - 2)).toBe(true);
    const before = coarseNow();
    expect(before).toBeGreaterThan(0);
    const after = await waitPast(before, 4);
    expect(after).toBeGreaterThanOrEqual(2 ** 31 * TICK_MS);
    expect(after - before).toBeGreaterThanOrEqual(4 * TICK_MS);
  });

  it('moves forward past 2^32 ticks, where the counter itself wraps to zero', async () => {
    expect(setTicksForTesting(-2)).toBe(true); // 2^32 - 2 unsigned
    const before = coarseNow();
    const after = await waitPast(before, 4);
    expect(after - before).toBeGreaterThanOrEqual(4 * TICK_MS);
    expect(after - before).toBeLessThan(10_000);
  });
});
