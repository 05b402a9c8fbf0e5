import { describe, expect, it } from 'vitest';

import { IterationDefinitionError } from '../../../src/errors.js';
import {
  combineThrottles,
  defaultBackoff,
  healthCheck,
  NO_THROTTLE,
  resolveThrottle,
  throttleHealthChecks,
} from '../../../src/throttle/index.js';

const site = { jobName: 'backfill-orders' };
const probeHealthy = healthCheck({ name: 'db', probe: () => true });

function definitionError(fn: () => unknown): IterationDefinitionError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(IterationDefinitionError);
    return error as IterationDefinitionError;
  }
  throw new Error('expected an IterationDefinitionError');
}

describe('resolveThrottle', () => {
  it('resolves an absent option to the shared empty list', () => {
    expect(resolveThrottle(undefined, site)).toBe(NO_THROTTLE);
    expect(Object.isFrozen(NO_THROTTLE)).toBe(true);
  });

  it('resolves one condition, a list and a bare health check into a frozen list', () => {
    const check = () => false;
    const one = resolveThrottle({ name: 'flag', check, backoffMs: 1_000 }, site);
    expect(one).toHaveLength(1);
    expect(one[0]).toMatchObject({ name: 'flag', check, healthCheck: undefined, timeoutMs: 5_000 });
    expect(one[0]!.backoff(7)).toBe(1_000);
    expect(Object.isFrozen(one)).toBe(true);
    expect(Object.isFrozen(one[0])).toBe(true);

    const list = resolveThrottle(
      [probeHealthy, { check: probeHealthy, name: 'db-slow', backoffMs: 0 }],
      site,
    );
    expect(list.map((c) => c.name)).toEqual(['db', 'db-slow']);
    expect(list[0]!.healthCheck).toBe(probeHealthy);
    expect(list[0]!.backoff).toBe(defaultBackoff);
    expect(list[1]!.backoff(3)).toBe(0);
  });

  it('names the job, the option path and the fix in every error', () => {
    const cases: [unknown, RegExp][] = [
      [[], /job "backfill-orders" option throttle: a throttle without a condition/],
      [{ name: 'x', backoffMs: 5 }, /option throttle: a throttle without a condition: set `check`/],
      [
        { name: 'x', check: 'yes' },
        /option throttle: expected `check` to be a function .*got `"yes"` \(string\)/,
      ],
      [{ check: () => true }, /option throttle\.name: expected a non-empty name/],
      [{ name: ' x ', check: () => true }, /option throttle\.name/],
      [
        [probeHealthy, { name: 'f', check: () => true, backoffMs: -1 }],
        /option throttle\[1\]\.backoffMs: expected a finite number of milliseconds ≥ 0.*got `-1`/,
      ],
      [
        { name: 'f', check: () => true, backoffMs: Infinity },
        /throttle\.backoffMs.*got `Infinity` \(number\)/,
      ],
      [
        { name: 'f', check: () => true, backoffMs: Number.NaN },
        /throttle\.backoffMs.*got `NaN` \(number\)/,
      ],
      [
        { name: 'f', check: () => true, backoffMs: '5s' },
        /throttle\.backoffMs: expected milliseconds .* or a function/,
      ],
      [
        { name: 'f', check: () => true, backoffMs: () => -5 },
        /throttle\.backoffMs\(1\): expected a finite number/,
      ],
      [{ name: 'f', check: () => true, backoffMs: () => Number.NaN }, /throttle\.backoffMs\(1\)/],
      [
        {
          name: 'f',
          check: () => true,
          backoffMs: () => {
            throw new Error('nope');
          },
        },
        /backoff function threw .*nope/,
      ],
      [
        { name: 'f', check: () => true, timeoutMs: 0 },
        /throttle\.timeoutMs: expected a finite number of milliseconds > 0/,
      ],
      [{ check: probeHealthy, timeoutMs: 10 }, /timeoutMs belongs to the health check/],
      [{ name: 'f', check: () => true, backof: 5 }, /unknown key "backof"/],
      [[probeHealthy, probeHealthy], /option throttle\[1\]: the name "db" is used twice/],
      [42, /expected a condition \{ name, check, backoffMs\? \} or a health check, got `42`/],
      [null, /got `null`/],
    ];
    for (const [option, message] of cases) {
      const error = definitionError(() => resolveThrottle(option as never, site));
      expect(error.message).toMatch(message);
      expect(error.jobName).toBe('backfill-orders');
    }
  });

  it('names a worker as the holder when given an owner instead of a job', () => {
    const error = definitionError(() =>
      resolveThrottle([] as never, { owner: 'IterationWorker for queue "mail"' }),
    );
    expect(error.message).toMatch(
      /^IterationWorker for queue "mail" option throttle: a throttle without/,
    );
    expect(error.jobName).toBeUndefined();
  });
});

describe('combineThrottles', () => {
  const worker = resolveThrottle([probeHealthy, { name: 'loop', check: () => false }], {});
  const job = resolveThrottle(
    [
      { name: 'flag', check: () => false },
      { check: probeHealthy, backoffMs: 60_000 },
    ],
    site,
  );

  it('puts the worker conditions first and lets a job condition replace one of the same name in place', () => {
    const combined = combineThrottles(worker, job);
    expect(combined.map((c) => c.name)).toEqual(['db', 'loop', 'flag']);
    expect(combined[0]!.backoff(1)).toBe(60_000);
    expect(Object.isFrozen(combined)).toBe(true);
  });

  it('returns either side unchanged when the other is empty', () => {
    expect(combineThrottles(NO_THROTTLE, job)).toBe(job);
    expect(combineThrottles(worker, NO_THROTTLE)).toBe(worker);
  });

  it('lists each health check once', () => {
    expect(throttleHealthChecks(combineThrottles(worker, job))).toEqual([probeHealthy]);
    expect(throttleHealthChecks([...worker, ...job])).toEqual([probeHealthy]);
  });
});
