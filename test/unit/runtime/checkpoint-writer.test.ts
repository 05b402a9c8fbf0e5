import { describe, expect, it, vi } from 'vitest';

import {
  CheckpointUnavailableError,
  CheckpointWriter,
} from '../../../src/runtime/checkpoint-writer.js';
import { coarseNow } from '../../../src/runtime/coarse-clock.js';

/** A store whose writes the test completes by hand. */
function manualStore() {
  const pending: { json: string; resolve: (saved: boolean) => void; reject: (e: Error) => void }[] =
    [];
  return {
    pending,
    save: (json: string) =>
      new Promise<boolean>((resolve, reject) => pending.push({ json, resolve, reject })),
    async land(saved = true) {
      pending.shift()!.resolve(saved);
      // Let the writer's continuation run.
      await new Promise((r) => setImmediate(r));
    },
  };
}

function setup(
  options: {
    minIntervalMs?: number;
    retryWindowMs?: number;
    maxLagItems?: number;
    maxLagMs?: number;
  } = {},
) {
  const store = manualStore();
  let state = 0;
  const onLost = vi.fn();
  const writer = new CheckpointWriter({
    save: store.save,
    snapshot: () => JSON.stringify({ cursor: state }),
    onLost,
    ...options,
  });
  return {
    store,
    writer,
    onLost,
    advance(to: number) {
      state = to;
      writer.markDirty();
    },
  };
}

describe('CheckpointWriter', () => {
  it('keeps at most one write in flight and writes the newest state next', async () => {
    const { store, writer, advance } = setup();
    advance(1);
    advance(2);
    advance(3);
    expect(store.pending.map((p) => p.json)).toEqual(['{"cursor":1}']);
    await store.land();
    // 2 was overtaken by 3 while 1 was in flight: only the newest is written.
    expect(store.pending.map((p) => p.json)).toEqual(['{"cursor":3}']);
    await store.land();
    expect(store.pending).toEqual([]);
    expect(writer.writes).toBe(2);
  });

  it('flush resolves once everything marked so far is durable', async () => {
    const { store, writer, advance } = setup();
    advance(1);
    advance(2);
    let flushed = false;
    const flushing = writer.flush().then(() => (flushed = true));
    await store.land();
    expect(flushed).toBe(false);
    expect(store.pending.map((p) => p.json)).toEqual(['{"cursor":2}']);
    await store.land();
    await flushing;
    expect(flushed).toBe(true);
  });

  it('commit writes the current state and waits for it (strict mode)', async () => {
    const { store, writer } = setup();
    const committing = writer.commit();
    expect(store.pending).toHaveLength(1);
    await store.land();
    await committing;
    expect(writer.writes).toBe(1);
  });

  it('a refused write means the lock is lost: onLost once, and no write ever again', async () => {
    const { store, writer, onLost, advance } = setup();
    advance(1);
    advance(2);
    await store.land(false);
    expect(onLost).toHaveBeenCalledOnce();
    expect(writer.lost).toBe(true);
    expect(store.pending).toEqual([]);
    advance(3);
    await writer.flush();
    await writer.commit();
    expect(store.pending).toEqual([]);
    expect(onLost).toHaveBeenCalledOnce();
  });

  it('a failed write surfaces through failure and flush, and stops writing', async () => {
    const { store, writer, advance } = setup();
    advance(1);
    store.pending.shift()!.reject(new Error('connection reset'));
    await new Promise((r) => setImmediate(r));
    expect(writer.failure?.error).toEqual(new Error('connection reset'));
    advance(2);
    expect(store.pending).toEqual([]);
    await expect(writer.flush()).rejects.toThrow('connection reset');
  });

  it('close refuses every later write', async () => {
    const { store, writer, advance } = setup();
    writer.close();
    advance(1);
    await writer.commit();
    expect(store.pending).toEqual([]);
  });

  it('minIntervalMs spaces background writes but flush does not wait for it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    try {
      const { store, writer, advance } = setup({ minIntervalMs: 1_000 });
      advance(1);
      expect(store.pending).toHaveLength(1);
      store.pending.shift()!.resolve(true);
      await vi.advanceTimersByTimeAsync(0);
      advance(2);
      // Too soon after the last write: it waits for the interval.
      expect(store.pending).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(999);
      expect(store.pending).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(store.pending).toHaveLength(1);
      store.pending.shift()!.resolve(true);
      await vi.advanceTimersByTimeAsync(0);
      advance(3);
      expect(store.pending).toHaveLength(0);
      const flushing = writer.flush();
      expect(store.pending.map((p) => p.json)).toEqual(['{"cursor":3}']);
      store.pending.shift()!.resolve(true);
      await flushing;
    } finally {
      vi.useRealTimers();
    }
  });

  it('retries a write that fails transiently, with the newest state, and flush waits for it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    try {
      const { store, writer, advance } = setup();
      advance(1);
      let flushed = false;
      const flushing = writer.flush().then(() => (flushed = true));
      store.pending
        .shift()!
        .reject(Object.assign(new Error('terminating connection'), { code: '57P01' }));
      advance(2);
      await vi.advanceTimersByTimeAsync(99);
      expect(store.pending).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      // The retry writes where the loop is now, not the state of the failed try.
      expect(store.pending.map((p) => p.json)).toEqual(['{"cursor":2}']);
      expect(flushed).toBe(false);
      store.pending.shift()!.resolve(true);
      await flushing;
      expect(writer.failure).toBeUndefined();
      expect(writer.writes).toBe(1);
      expect(writer.lagItems).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('fails with CheckpointUnavailableError once transient failures outlast the retry window', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    try {
      const { store, writer, advance } = setup({ retryWindowMs: 1_000 });
      advance(1);
      const flushing = writer.flush().catch((error: unknown) => error);
      let tries = 0;
      while (writer.failure === undefined) {
        if (store.pending.length > 0) {
          tries++;
          store.pending
            .shift()!
            .reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
        }
        await vi.advanceTimersByTimeAsync(50);
      }
      const error = await flushing;
      expect(error).toBeInstanceOf(CheckpointUnavailableError);
      expect((error as Error).message).toMatch(/kept failing for 1 s: connect ECONNREFUSED/);
      // Tries at 0, 100, 300, 700 and 1,500 ms: the last one ends past the window.
      expect(tries).toBe(5);
    } finally {
      vi.useRealTimers();
    }
  });

  it('close ends a retry that waits out its backoff', async () => {
    const { store, writer, advance } = setup();
    advance(1);
    const flushing = writer.flush();
    store.pending.shift()!.reject(Object.assign(new Error('Connection is closed.'), {}));
    await new Promise((r) => setImmediate(r));
    writer.close();
    await flushing;
    expect(store.pending).toEqual([]);
    expect(writer.failure).toBeUndefined();
  });

  it('behind(): a write out too long, or too many items past the durable checkpoint', async () => {
    const { store, writer, advance } = setup({ maxLagItems: 3, maxLagMs: 1_000 });
    const now = coarseNow();
    expect(writer.behind(now)).toBe(false);
    advance(1);
    advance(2);
    advance(3);
    expect(writer.lagItems).toBe(3);
    expect(writer.behind(now)).toBe(false);
    advance(4);
    expect(writer.behind(now)).toBe(true);
    // The write in flight covers item 1: items 2 to 4 are still not durable after it lands.
    await store.land();
    expect(writer.lagItems).toBe(3);
    expect(writer.behind(now + 1)).toBe(false);
    expect(writer.behind(coarseNow() + 1_001)).toBe(true);
    await store.land();
    // Nothing in flight: the store keeps up, whatever the clock says.
    expect(writer.behind(coarseNow() + 10_000)).toBe(false);
  });

  it('tells its lag in ms: the age of the newest durable snapshot while items past it are unwritten', async () => {
    const { store, writer, advance } = setup();
    const now = coarseNow();
    expect(writer.lagMs(now + 5_000)).toBe(0);
    const before = coarseNow();
    // The write starts here, and its snapshot is taken now: between `before` and `takenAt`.
    advance(1);
    // Nothing durable yet: the lag counts from the writer's start.
    expect(writer.lagMs(now + 5_000)).toBeGreaterThanOrEqual(5_000);
    const takenAt = coarseNow();
    await store.land();
    // Every marked item is durable: no lag, whatever the clock says.
    expect(writer.lagMs(takenAt + 60_000)).toBe(0);
    advance(2);
    advance(3);
    expect(writer.lagItems).toBe(2);
    expect(writer.lagMs(takenAt + 1_000)).toBeGreaterThanOrEqual(1_000);
    expect(writer.lagMs(takenAt + 1_000)).toBeLessThanOrEqual(1_000 + takenAt - before);
    await store.land();
    await store.land();
    expect(writer.lagMs(coarseNow() + 60_000)).toBe(0);
  });
});
