// The loop's two time-based duties, without a server: backpressure on a checkpoint store that does
// not keep up, and turns of the event loop between CPU-bound items, whatever each item costs.
import { describe, expect, it } from 'vitest';

import { CheckpointWriter } from '../../../src/runtime/checkpoint-writer.js';
import { coarseNow, TICK_MS } from '../../../src/runtime/coarse-clock.js';
import { runLoop } from '../../../src/runtime/loop.js';
import { loopRun } from './loop-support.js';

function items(total: number) {
  return (function* () {
    for (let i = 0; i < total; i++) yield [i, i] as const;
  })();
}

function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // CPU-bound work.
  }
}

describe('runLoop', () => {
  it('waits for a store that does not answer once maxLagItems items are not durable', async () => {
    const landings: ((saved: boolean) => void)[] = [];
    const writer = new CheckpointWriter({
      save: () => new Promise<boolean>((resolve) => landings.push(resolve)),
      snapshot: () => '{}',
      onLost: () => {},
      maxLagItems: 10,
    });
    const { run, done } = loopRun(writer, () => {});
    const looping = runLoop(items(100), run, undefined);
    await new Promise((r) => setTimeout(r, 50));
    // The first write started after item 0 and hangs: the loop stops one item past the bound.
    expect(done).toHaveLength(11);
    expect(landings).toHaveLength(1);
    landings.shift()!(true);
    // Each landing lets it go on; answer every write from now on.
    const answering = setInterval(() => landings.splice(0).forEach((land) => land(true)), 1);
    try {
      await expect(looping).resolves.toBe('exhausted');
    } finally {
      clearInterval(answering);
    }
    expect(done).toHaveLength(100);
  });

  it('lets timers run between CPU-bound items, even when each item is slow', async () => {
    const writer = new CheckpointWriter({
      save: async () => true,
      snapshot: () => '{}',
      onLost: () => {},
    });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      // Eight items of 40 ms: a timer that never fires would mean the event loop never turned.
      const { run } = loopRun(writer, () => busy(40));
      await runLoop(items(8), run, undefined);
    } finally {
      clearInterval(timer);
    }
    // Without the time-based yield the timer never fires before the loop ends (0 ticks); with it,
    // a turn every few items. The threshold is low because a loaded machine may starve the timer.
    expect(ticks).toBeGreaterThanOrEqual(2);
  });

  it('reads a clock that moves on while the main thread is busy', async () => {
    coarseNow();
    // Let the ticker thread start.
    await new Promise((r) => setTimeout(r, 100));
    const before = coarseNow();
    const spinUntil = performance.now() + 10_000;
    let after = before;
    // The main thread spins without yielding: only the ticker thread can move the clock. (A
    // bound on wall time, not a timing assertion: a loaded machine may be slow to schedule it.)
    while (after - before < 4 * TICK_MS && performance.now() < spinUntil) after = coarseNow();
    expect(after - before).toBeGreaterThanOrEqual(4 * TICK_MS);
  });
});
