// The rate gate of a run without a server: gates sharing one bucket (the partitions of a parallel
// run) keep to the budget, and, when they contend for it, wait a while before asking the store for
// tokens again, rather than asking every few items. Bounds on counts, no timing claims.
import { describe, expect, it } from 'vitest';

import type { CheckpointStore } from '../../../src/backends/store.js';
import { RateGate } from '../../../src/runtime/run-rate.js';
import { MemoryCheckpointStore } from '../../../src/testing/memory-store.js';

const bucket = { queueName: 'rate', id: 'run' };

/** A memory store that counts its token takes and the tokens it granted. */
function countingStore() {
  const store = new MemoryCheckpointStore();
  const counts = { takes: 0, granted: 0 };
  const counting = new Proxy(store, {
    get(target, name) {
      if (name === 'takeTokens') {
        return async (...args: Parameters<CheckpointStore['takeTokens']>) => {
          counts.takes++;
          const result = await target.takeTokens(...args);
          counts.granted += result.granted;
          return result;
        };
      }
      const value = Reflect.get(target, name, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: counting as CheckpointStore, counts };
}

const item = () => new Promise<void>((resolve) => setTimeout(resolve, 1));

describe('RateGate', () => {
  it('gates sharing a bucket keep to it, and contending ones do not ask every few items', async () => {
    const { store, counts } = countingStore();
    const signal = new AbortController().signal;
    const rate = { itemsPerSecond: 2_000, burst: 100 };
    const gates = Array.from(
      { length: 16 },
      () => new RateGate(store, bucket, signal, undefined, rate),
    );
    const perGate = 60;
    let done = 0;
    await Promise.all(
      gates.map(async (gate) => {
        for (let i = 0; i < perGate; i++) {
          await gate.take(1);
          await item();
          done++;
        }
      }),
    );
    expect(done).toBe(16 * perGate);
    // Never more items than tokens granted: the budget is never overspent.
    expect(counts.granted).toBeGreaterThanOrEqual(done);
    // 960 items at 2,000 a second in chunks of 100 (a twentieth of a second's worth): 16 gates
    // that wait about half a chunk's time (25 ms) after finding the bucket empty make about 250
    // takes in the half second; asking again as soon as a small share ran out made over 1,000.
    expect(counts.takes).toBeLessThanOrEqual(done / 2);
  });

  it('a lone gate under its limit takes a whole chunk at a time', async () => {
    const { store, counts } = countingStore();
    const gate = new RateGate(store, bucket, new AbortController().signal, undefined, {
      itemsPerSecond: 100_000,
    });
    for (let i = 0; i < 2_000; i++) await gate.take(1);
    // Chunks of 5,000 (a twentieth of a second's worth): one take.
    expect(counts.takes).toBe(1);
  });
});
