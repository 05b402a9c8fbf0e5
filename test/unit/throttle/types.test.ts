// Pins the public types: a pino logger, an ioredis client and a pg Pool fit the structural
// interfaces, conditions are typed by the job's params and cursor, and the evaluation result is a
// promise only in its type's union.
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { describe, expectTypeOf, it } from 'vitest';

import type { PgQueryable } from '../../../src/enumerators/sql/query.js';
import type {
  RedisInfoClient,
  RedisPingClient,
  ResolvedThrottle,
  ThrottleCheckContext,
  ThrottleDecision,
  ThrottleLogger,
  ThrottleOption,
} from '../../../src/throttle/index.js';
import {
  combineThrottles,
  evaluateThrottle,
  resolveThrottle,
} from '../../../src/throttle/index.js';

describe('throttle types', () => {
  it('accepts the clients and loggers users already have', () => {
    expectTypeOf<Logger>().toExtend<ThrottleLogger>();
    expectTypeOf<Redis>().toExtend<RedisInfoClient>();
    expectTypeOf<Redis>().toExtend<RedisPingClient>();
    expectTypeOf<Pool>().toExtend<PgQueryable>();
  });

  it('types a condition by the job params and cursor', () => {
    const option: ThrottleOption<{ shopId: string }, number> = {
      name: 'shop-paused',
      check: ({ params, cursor, job }) => {
        expectTypeOf(params.shopId).toEqualTypeOf<string>();
        expectTypeOf(cursor).toEqualTypeOf<number | null>();
        expectTypeOf(job).toEqualTypeOf<Job<{ shopId: string }>>();
        return false;
      },
    };
    const resolved = resolveThrottle(option, { jobName: 'j' });
    expectTypeOf(resolved).toEqualTypeOf<ResolvedThrottle<{ shopId: string }, number>>();
    // A worker's conditions, typed for any job, combine with a job's own.
    const worker: ResolvedThrottle = resolveThrottle({ name: 'w', check: () => false }, {});
    expectTypeOf(combineThrottles(worker, resolved)).toEqualTypeOf<
      ResolvedThrottle<{ shopId: string }, number>
    >();
    const ctx = {} as ThrottleCheckContext<{ shopId: string }, number>;
    expectTypeOf(evaluateThrottle(resolved, ctx, 0)).toEqualTypeOf<
      ThrottleDecision | undefined | Promise<ThrottleDecision | undefined>
    >();
  });

  it('requires a name for a function check', () => {
    // @ts-expect-error a function check without a name
    const nameless: ThrottleOption = { check: () => true };
    void nameless;
  });
});
