// Sampled item durations: between samples the run's step is its own function (nothing wraps
// the loop's call); a sample times exactly one item, sync or async, then puts the step back.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { sampleItems } from '../../../src/telemetry/item-sampler.js';
import type { ObservedRun } from '../../../src/telemetry/observed-run.js';

function fakeRun(step: (item: unknown, cursor: unknown, weight: number) => unknown): ObservedRun {
  return { step } as unknown as ObservedRun;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('sampleItems', () => {
  it('leaves the step alone until a sample is due, then times one item and restores it', () => {
    const plain = vi.fn((item: unknown, _cursor: unknown, _weight: number) => item);
    const run = fakeRun(plain);
    const recorded: number[] = [];
    const stop = sampleItems(run, 100, (ms) => recorded.push(ms));
    expect(run.step).toBe(plain);
    run.step(1, 1, 1);
    expect(recorded).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(run.step).not.toBe(plain);
    expect(run.step(2, 2, 1)).toBe(2);
    // The cursor and weight go through to the step (the item chain needs both).
    expect(plain).toHaveBeenLastCalledWith(2, 2, 1);
    expect(recorded).toHaveLength(1);
    expect(run.step).toBe(plain);
    run.step(3, 3, 1);
    expect(recorded).toHaveLength(1);
    stop();
    vi.advanceTimersByTime(1_000);
    expect(run.step).toBe(plain);
  });

  it('records an async item when it settles, and only when it succeeds', async () => {
    let finish!: () => void;
    const run = fakeRun((item) =>
      item === 'fail'
        ? Promise.reject(new Error('item failed'))
        : new Promise<void>((resolve) => (finish = resolve)),
    );
    const recorded: number[] = [];
    const stop = sampleItems(run, 50, (ms) => recorded.push(ms));
    vi.advanceTimersByTime(50);
    const pending = run.step('slow', 1, 1) as Promise<void>;
    expect(recorded).toEqual([]);
    finish();
    await pending;
    await Promise.resolve();
    expect(recorded).toHaveLength(1);
    vi.advanceTimersByTime(50);
    // The caller still sees the rejection; the sampler records nothing for it.
    await expect(run.step('fail', 2, 1)).rejects.toThrow('item failed');
    expect(recorded).toHaveLength(1);
    stop();
  });

  it('puts the plain step back when stopped with a sample armed', () => {
    const plain = (item: unknown) => item;
    const run = fakeRun(plain);
    const stop = sampleItems(run, 10, () => undefined);
    vi.advanceTimersByTime(10);
    expect(run.step).not.toBe(plain);
    stop();
    expect(run.step).toBe(plain);
  });
});
