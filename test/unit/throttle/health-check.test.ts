import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { IterationDefinitionError } from '../../../src/errors.js';
import type { ProbeOutcome } from '../../../src/throttle/index.js';
import { healthCheck, isHealthCheck } from '../../../src/throttle/index.js';
import { deferred, recordingLogger } from './helpers.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('healthCheck caching', () => {
  it('probes at most once per interval however many callers ask at once', async () => {
    const probe = vi.fn(async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      return true;
    });
    const check = healthCheck({ name: 'db', probe, intervalMs: 1_000, timeoutMs: 500 });
    const first = Array.from({ length: 100 }, () => check.status());
    expect(Array.from({ length: 100 }, () => check.peek())).toEqual(Array(100).fill(undefined));
    await vi.advanceTimersByTimeAsync(50);
    const statuses = await Promise.all(first);
    expect(probe).toHaveBeenCalledTimes(1);
    expect(new Set(statuses).size).toBe(1);
    expect(statuses[0]).toEqual({ healthy: true, detail: 'healthy', checkedAt: 1_000_050 });

    // Within the interval every read is synchronous and served from the cache.
    for (let i = 0; i < 1_000; i++) expect(check.peek()).toBe(statuses[0]);
    await vi.advanceTimersByTimeAsync(900);
    for (let i = 0; i < 1_000; i++) check.peek();
    expect(probe).toHaveBeenCalledTimes(1);
  });

  it('serves the stale verdict while one background probe refreshes it', async () => {
    let healthy = true;
    const probe = vi.fn(async () => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      return { healthy, detail: healthy ? 'fine' : 'overloaded' };
    });
    const check = healthCheck({ name: 'db', probe, intervalMs: 1_000, timeoutMs: 500 });
    await vi.advanceTimersByTimeAsync(0);
    const first = check.status();
    await vi.advanceTimersByTimeAsync(100);
    const fresh = await first;

    healthy = false;
    await vi.advanceTimersByTimeAsync(1_000); // now stale
    for (let i = 0; i < 50; i++) expect(check.peek()).toBe(fresh); // stale, still served
    expect(probe).toHaveBeenCalledTimes(2); // one refresh for all fifty reads
    await vi.advanceTimersByTimeAsync(100);
    expect(check.peek()).toMatchObject({ healthy: false, detail: 'overloaded' });
    expect(probe).toHaveBeenCalledTimes(2);
  });

  it('makes readers wait for a probe when the verdict is too old to act on', async () => {
    const probe = vi.fn(() => Promise.resolve(true));
    const check = healthCheck({ name: 'db', probe, intervalMs: 1_000, timeoutMs: 500 });
    await check.status();
    await vi.advanceTimersByTimeAsync(2 * 1_000 + 500 + 1); // idle beyond 2 × interval + timeout
    expect(check.peek()).toBeUndefined();
    await expect(check.status()).resolves.toMatchObject({ healthy: true });
    expect(probe).toHaveBeenCalledTimes(2);
  });

  it('settles a synchronous probe inline, so even the first read is synchronous', () => {
    const check = healthCheck({
      name: 'flag',
      probe: () => ({ healthy: false, detail: 'flag set' }),
    });
    expect(check.peek()).toMatchObject({ healthy: false, detail: 'flag set' });
  });

  it('refresh() probes at once, ignoring a fresh verdict, and joins a probe in flight', async () => {
    const gate = deferred<ProbeOutcome>();
    const probe = vi.fn(() => gate.promise);
    const check = healthCheck({ name: 'db', probe, timeoutMs: 10_000 });
    const a = check.refresh();
    const b = check.refresh();
    gate.resolve(true);
    expect(await a).toBe(await b);
    expect(probe).toHaveBeenCalledTimes(1);
    void check.refresh();
    expect(probe).toHaveBeenCalledTimes(2);
  });
});

describe('healthCheck failures', () => {
  it('counts a probe that hangs past its timeout as unhealthy, logs it, aborts its signal, and never starts a second one while it hangs', async () => {
    const logger = recordingLogger();
    let signal: AbortSignal | undefined;
    const probe = vi.fn((s: AbortSignal) => {
      signal = s;
      return new Promise<boolean>(() => {}); // never settles
    });
    const check = healthCheck({ name: 'db', probe, intervalMs: 1_000, timeoutMs: 200, logger });
    const pending = check.status();
    await vi.advanceTimersByTimeAsync(200);
    await expect(pending).resolves.toMatchObject({
      healthy: false,
      detail: 'probe timed out after 200 ms',
    });
    expect(signal?.aborted).toBe(true);
    expect(logger.warn).toHaveBeenCalledWith(
      { healthCheck: 'db', detail: 'probe timed out after 200 ms' },
      'health check probe failed: counting as unhealthy',
    );

    await vi.advanceTimersByTimeAsync(1_000);
    expect(check.peek()).toMatchObject({
      healthy: false,
      detail: 'the previous probe is still running after 1200 ms',
    });
    expect(probe).toHaveBeenCalledTimes(1);
    expect(logger.warn).toHaveBeenCalledTimes(2);
    expect(vi.getTimerCount()).toBe(1); // only the age of the verdict: no timeout left armed
    check.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('counts a probe that throws or rejects as unhealthy and logs the error', async () => {
    const logger = recordingLogger();
    const boom = new Error('connection refused');
    const sync = healthCheck({
      name: 'sync',
      probe: () => {
        throw boom;
      },
      logger,
    });
    expect(sync.peek()).toMatchObject({
      healthy: false,
      detail: 'probe threw Error: connection refused',
    });
    const async = healthCheck({ name: 'async', probe: () => Promise.reject(boom), logger });
    await expect(async.status()).resolves.toMatchObject({
      healthy: false,
      detail: 'probe failed: Error: connection refused',
    });
    expect(logger.warn).toHaveBeenCalledTimes(2);
    expect(logger.warn.mock.calls[1]![0]).toMatchObject({ healthCheck: 'async', err: boom });
  });

  it('counts a probe returning something other than a verdict as unhealthy', async () => {
    const logger = recordingLogger();
    const check = healthCheck({ name: 'odd', probe: () => 'yes' as unknown as boolean, logger });
    expect(check.peek()).toMatchObject({
      healthy: false,
      detail: 'probe returned the string "yes"; return true/false or { healthy, detail }',
    });
    expect(logger.warn).toHaveBeenCalledOnce();
  });

  it('logs a change of verdict once, not every probe', async () => {
    const logger = recordingLogger();
    let healthy = false;
    const check = healthCheck({ name: 'db', probe: () => healthy, intervalMs: 100, logger });
    check.peek();
    expect(logger.warn).toHaveBeenCalledWith(
      { healthCheck: 'db', detail: 'unhealthy' },
      expect.any(String),
    );
    for (let i = 0; i < 5; i++) {
      await vi.advanceTimersByTimeAsync(100);
      check.peek();
    }
    expect(logger.warn).toHaveBeenCalledOnce();
    healthy = true;
    await vi.advanceTimersByTimeAsync(100);
    check.peek();
    expect(logger.info).toHaveBeenCalledWith(
      { healthCheck: 'db', detail: 'healthy' },
      'health check recovered',
    );
  });
});

describe('healthCheck lifecycle and validation', () => {
  it('close() settles a pending read, stops probing and keeps the last verdict', async () => {
    const onAbort = vi.fn();
    const check = healthCheck({
      name: 'db',
      probe: (signal) => {
        signal.addEventListener('abort', onAbort);
        return new Promise<boolean>(() => {});
      },
    });
    const pending = check.status();
    check.close();
    await expect(pending).resolves.toMatchObject({ healthy: false, detail: 'health check closed' });
    expect(onAbort).toHaveBeenCalledOnce();
    expect(vi.getTimerCount()).toBe(0);
    check.close(); // idempotent

    const probe = vi.fn(() => true);
    const closed = healthCheck({ name: 'flag', probe, intervalMs: 10 });
    const last = closed.peek();
    closed.close();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(closed.peek()).toBe(last);
    await expect(closed.refresh()).resolves.toMatchObject({
      healthy: false,
      detail: 'health check closed',
    });
    expect(probe).toHaveBeenCalledOnce();
  });

  it('is recognisable and validates its options', () => {
    expect(isHealthCheck(healthCheck({ name: 'x', probe: () => true }))).toBe(true);
    expect(isHealthCheck({ name: 'x', peek: () => undefined })).toBe(false);
    const bad: [unknown, RegExp][] = [
      [{ name: 'x' }, /healthCheck\(\) option probe: expected a function/],
      [{ name: '', probe: () => true }, /healthCheck\(\) option name/],
      [
        { name: 'x', probe: () => true, intervalMs: 0 },
        /option intervalMs: expected a finite number of milliseconds > 0/,
      ],
      [{ name: 'x', probe: () => true, timeoutMs: -5 }, /option timeoutMs.*got `-5`/],
    ];
    for (const [options, message] of bad) {
      expect(() => healthCheck(options as never)).toThrow(IterationDefinitionError);
      expect(() => healthCheck(options as never)).toThrow(message);
    }
  });
});
