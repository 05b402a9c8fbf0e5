import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { IterationDefinitionError } from '../../../src/errors.js';
import type { HealthCheck } from '../../../src/throttle/index.js';
import { allOf, anyOf, healthCheck } from '../../../src/throttle/index.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

function flag(name: string, healthy: boolean, intervalMs = 1_000) {
  const state = { healthy };
  const probe = vi.fn(() => ({ healthy: state.healthy, detail: state.healthy ? 'ok' : 'bad' }));
  return { state, probe, check: healthCheck({ name, probe, intervalMs }) };
}

describe('anyOf / allOf', () => {
  it('anyOf is unhealthy when any child is, allOf only when all are', () => {
    const table: [boolean, boolean, boolean, boolean][] = [
      // a, b, anyOf healthy, allOf healthy
      [true, true, true, true],
      [true, false, false, true],
      [false, true, false, true],
      [false, false, false, false],
    ];
    for (const [a, b, any, all] of table) {
      const children = () => [flag('a', a).check, flag('b', b).check];
      expect(anyOf(children()).peek()?.healthy).toBe(any);
      expect(allOf(children()).peek()?.healthy).toBe(all);
    }
  });

  it('names itself after its children and lists the unhealthy ones in the detail', () => {
    const combined = anyOf([flag('a', false).check, flag('b', true).check, flag('c', false).check]);
    expect(combined.name).toBe('anyOf(a, b, c)');
    expect(combined.peek()).toMatchObject({ healthy: false, detail: 'a: bad; c: bad' });
    expect(allOf([flag('a', false).check], { name: 'replicas' }).name).toBe('replicas');
  });

  it('reuses its verdict object while the children verdicts are unchanged, and keeps each child on its own interval', async () => {
    const fast = flag('fast', true, 100);
    const slow = flag('slow', true, 1_000);
    const combined = anyOf([fast.check, slow.check]);
    expect(combined.intervalMs).toBe(100);
    const first = combined.peek();
    expect(combined.peek()).toBe(first);
    for (let t = 0; t < 10; t++) {
      await vi.advanceTimersByTimeAsync(100);
      combined.peek();
    }
    expect(fast.probe).toHaveBeenCalledTimes(11);
    expect(slow.probe).toHaveBeenCalledTimes(2);
  });

  it('answers as soon as one child settles it, and otherwise waits for the children', async () => {
    const pending = healthCheck({
      name: 'pending',
      probe: () => new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 50)),
    });
    expect(anyOf([pending, flag('down', false).check]).peek()).toMatchObject({ healthy: false });
    const waiting = anyOf([pending, flag('up', true).check]);
    expect(waiting.peek()).toBeUndefined();
    const status = waiting.status();
    await vi.advanceTimersByTimeAsync(50);
    await expect(status).resolves.toMatchObject({ healthy: true, detail: 'all healthy' });
  });

  it('refreshes and closes its children', async () => {
    const a = flag('a', true);
    const combined = allOf([a.check]);
    await combined.refresh();
    await combined.refresh();
    expect(a.probe).toHaveBeenCalledTimes(2);
    const close = vi.spyOn(a.check, 'close');
    combined.close();
    expect(close).toHaveBeenCalledOnce();
  });

  it('rejects an empty list or something that is not a health check', () => {
    expect(() => anyOf([])).toThrow(IterationDefinitionError);
    expect(() => anyOf([])).toThrow(/anyOf\(\): expected a non-empty array of health checks/);
    expect(() => allOf([{ name: 'x' } as unknown as HealthCheck])).toThrow(
      /allOf\(\): element 0 is not a health check/,
    );
  });
});
