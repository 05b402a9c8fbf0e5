import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';

import type { ThrottleCheck, ThrottleDecision } from '../../../src/throttle/index.js';
import {
  evaluateThrottle,
  healthCheck,
  NO_THROTTLE,
  resolveThrottle,
  warmUpThrottle,
} from '../../../src/throttle/index.js';
import { context, recordingLogger } from './helpers.js';

const ctx = context({ shopId: 's1' }, 41);

afterEach(() => {
  vi.useRealTimers();
});

describe('evaluateThrottle, synchronous path', () => {
  it('returns undefined synchronously when nothing holds', () => {
    expect(evaluateThrottle(NO_THROTTLE, ctx, 0)).toBeUndefined();
    const resolved = resolveThrottle(
      [
        { name: 'a', check: () => false },
        { name: 'b', check: () => false },
      ],
      {},
    );
    expect(evaluateThrottle(resolved, ctx, 0)).toBeUndefined();
  });

  it('reads a cached health check synchronously once it has a verdict', async () => {
    const check = healthCheck({ name: 'db', probe: () => Promise.resolve(true) });
    const resolved = resolveThrottle(check, {});
    expect(evaluateThrottle(resolved, ctx, 0)).toBeInstanceOf(Promise); // no verdict yet
    await warmUpThrottle(resolved);
    expect(evaluateThrottle(resolved, ctx, 0)).toBeUndefined();
  });

  it('decides on the first condition that holds, with its own backoff of the streak + 1', () => {
    const later = vi.fn(() => true);
    const resolved = resolveThrottle(
      [
        { name: 'calm', check: () => false },
        { name: 'flag', check: () => true, backoffMs: (n) => n * 1_000 },
        { name: 'later', check: later },
      ],
      {},
    );
    expect(evaluateThrottle(resolved, ctx, 0)).toEqual({
      condition: 'flag',
      delayMs: 1_000,
      consecutive: 1,
      reason: 'check returned true',
    });
    expect((evaluateThrottle(resolved, ctx, 3) as ThrottleDecision).delayMs).toBe(4_000);
    expect(later).not.toHaveBeenCalled();
  });

  it('hands the check its params, cursor and job', () => {
    const check = vi.fn<ThrottleCheck<{ shopId: string }, number>>(() => false);
    evaluateThrottle(resolveThrottle({ name: 'c', check }, {}), ctx, 0);
    expect(check).toHaveBeenCalledWith(ctx);
  });

  it('throttles on an unhealthy cached health check, with its detail as the reason', () => {
    const check = healthCheck({
      name: 'db',
      probe: () => ({ healthy: false, detail: 'lag 12 s' }),
    });
    const decision = evaluateThrottle(resolveThrottle({ check, backoffMs: 500 }, {}), ctx, 0);
    expect(decision).toEqual({ condition: 'db', delayMs: 500, consecutive: 1, reason: 'lag 12 s' });
  });

  it('rounds a fractional backoff to whole milliseconds', () => {
    const decision = evaluateThrottle(
      resolveThrottle({ name: 'f', check: () => true, backoffMs: 10.6 }, {}),
      ctx,
      0,
    );
    expect(decision).toMatchObject({ delayMs: 11 });
  });
});

describe('evaluateThrottle, asynchronous checks', () => {
  it('awaits an asynchronous check, then goes on with the rest in order', async () => {
    const order: string[] = [];
    const resolved = resolveThrottle(
      [
        { name: 'slow', check: async () => (order.push('slow'), false) },
        { name: 'sync', check: () => (order.push('sync'), false) },
        { name: 'slow2', check: async () => (order.push('slow2'), true), backoffMs: 7 },
      ],
      {},
    );
    const result = evaluateThrottle(resolved, ctx, 0);
    expect(result).toBeInstanceOf(Promise);
    expect(order).toEqual(['slow']); // the later ones wait for the earlier one
    await expect(result).resolves.toMatchObject({ condition: 'slow2', delayMs: 7 });
    expect(order).toEqual(['slow', 'sync', 'slow2']);
  });

  it('awaits a thenable that is not a native promise', async () => {
    const thenable = {
      then: (resolve: (value: boolean) => void) => resolve(true),
    } as unknown as Promise<boolean>;
    const result = evaluateThrottle(
      resolveThrottle({ name: 'lib', check: () => thenable }, {}),
      ctx,
      0,
    );
    expect(result).toBeInstanceOf(Promise);
    await expect(result).resolves.toMatchObject({
      condition: 'lib',
      reason: 'check returned true',
    });
  });

  it('treats a check that throws, rejects, hangs or returns a non-boolean as holding, and logs it', async () => {
    vi.useFakeTimers();
    const logger = recordingLogger();
    const options = { logger, jobName: 'backfill' };
    const run = (check: ThrottleCheck) =>
      evaluateThrottle(
        resolveThrottle({ name: 'c', check, backoffMs: 1, timeoutMs: 300 }, {}),
        ctx,
        0,
        options,
      );

    const boom = new Error('boom');
    expect(
      run(() => {
        throw boom;
      }),
    ).toMatchObject({ condition: 'c', reason: 'check threw Error: boom' });
    expect(logger.error).toHaveBeenLastCalledWith(
      { jobName: 'backfill', condition: 'c', reason: 'check threw Error: boom', err: boom },
      'throttle check failed: throttling as if it held',
    );
    await expect(run(() => Promise.reject(boom))).resolves.toMatchObject({
      reason: 'check rejected with Error: boom',
    });
    expect(run(() => 'no' as unknown as boolean)).toMatchObject({
      reason:
        'check returned "no" (string), not a boolean: return true to throttle, false to go on',
    });
    await expect(run(async () => undefined as unknown as boolean)).resolves.toMatchObject({
      reason: expect.stringMatching(/^check returned undefined \(undefined\), not a boolean/),
    });
    const hanging = run(() => new Promise<boolean>(() => {}));
    await vi.advanceTimersByTimeAsync(300);
    await expect(hanging).resolves.toMatchObject({ reason: 'check did not settle within 300 ms' });
    expect(logger.error).toHaveBeenCalledTimes(5);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('survives a hand-made health check that throws or rejects', async () => {
    const broken = {
      ...healthCheck({ name: 'broken', probe: () => true }),
      name: 'broken',
      peek: () => {
        throw new Error('peek');
      },
    };
    const decision = evaluateThrottle(
      resolveThrottle({ check: broken, name: 'broken' }, {}),
      ctx,
      0,
    );
    expect(decision).toMatchObject({ reason: 'health check failed: Error: peek' });
    const rejecting = {
      ...broken,
      peek: () => undefined,
      status: () => Promise.reject(new Error('status')),
    };
    await expect(
      evaluateThrottle(resolveThrottle({ check: rejecting, name: 'rejecting' }, {}), ctx, 0),
    ).resolves.toMatchObject({ reason: 'health check failed: Error: status' });
  });

  it('falls back to the default backoff, and logs, when a backoff function fails mid-run', () => {
    const logger = recordingLogger();
    const backoffMs = (n: number) => (n === 1 ? 1_000 : Number.NaN);
    const resolved = resolveThrottle({ name: 'c', check: () => true, backoffMs }, {});
    const decision = evaluateThrottle(resolved, ctx, 1, { logger }) as ThrottleDecision;
    expect(decision.delayMs).toBeGreaterThanOrEqual(8_000);
    expect(decision.delayMs).toBeLessThanOrEqual(10_000);
    expect(logger.error).toHaveBeenCalledOnce();
  });

  it('never throws or rejects, whatever the checks do', async () => {
    const behaviour = fc.constantFrom(
      'true',
      'false',
      'throw',
      'reject',
      'string',
      'async-true',
      'async-false',
    );
    const make = (kind: string): ThrottleCheck => {
      switch (kind) {
        case 'true':
          return () => true;
        case 'false':
          return () => false;
        case 'throw':
          return () => {
            throw new Error('x');
          };
        case 'reject':
          return () => Promise.reject(new Error('x'));
        case 'string':
          return () => 'x' as unknown as boolean;
        case 'async-true':
          return async () => true;
        default:
          return async () => false;
      }
    };
    await fc.assert(
      fc.asyncProperty(fc.array(behaviour, { minLength: 1, maxLength: 6 }), async (kinds) => {
        const resolved = resolveThrottle(
          kinds.map((kind, i) => ({ name: `c${i}`, check: make(kind), backoffMs: i })),
          {},
        );
        const result = await evaluateThrottle(resolved, ctx, 0);
        const first = kinds.findIndex((k) => k !== 'false' && k !== 'async-false');
        if (first === -1) expect(result).toBeUndefined();
        else expect(result).toMatchObject({ condition: `c${first}`, delayMs: first });
      }),
    );
  });
});
