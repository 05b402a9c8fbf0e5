// The public types: inferred from the definition, no `any` leaking out.
import type { Job } from 'bullmq';
import { describe, expectTypeOf, it } from 'vitest';

import type {
  BuildEnumeratorArgs,
  FailedItem,
  FailedItemEntry,
  FailedItems,
  IterationContext,
  IterationEvent,
  IterationItemSkippedEvent,
  IterationJob,
  IterationProgress,
  IterationRunInfo,
  IterationSummary,
  IterationWorker,
  JsonValue,
  RestartedRun,
  RestartOptions,
  RestartRecord,
} from '../../../src/index.js';
import {
  defineIterationJob,
  getFailedItems,
  restartRun,
  retryFailedItems,
} from '../../../src/index.js';

interface User {
  readonly id: number;
  readonly email: string;
}
declare function usersAfter(cursor: number | null, segment: string): AsyncGenerator<[User, number]>;

describe('public types', () => {
  it('infers params, item and cursor from an annotated buildEnumerator', () => {
    const notify = defineIterationJob({
      name: 'notify-users',
      buildEnumerator: ({ params, cursor }: BuildEnumeratorArgs<{ segment: string }, number>) =>
        usersAfter(cursor, params.segment),
      async eachIteration(user, ctx) {
        expectTypeOf(user).toEqualTypeOf<User>();
        expectTypeOf(ctx.params).toEqualTypeOf<{ segment: string }>();
        expectTypeOf(ctx.cursor).toEqualTypeOf<number | null>();
        expectTypeOf(ctx.job).toEqualTypeOf<Job<{ segment: string }>>();
        expectTypeOf(ctx.signal).toEqualTypeOf<AbortSignal>();
      },
    });
    expectTypeOf(notify).toEqualTypeOf<IterationJob<{ segment: string }, User, number>>();
    expectTypeOf(notify.enqueue).parameter(1).toEqualTypeOf<{ segment: string }>();
    expectTypeOf(notify.enqueue).returns.resolves.toEqualTypeOf<Job<{ segment: string }>>();
  });

  it('infers params from parseParams and items from a plain array of pairs', () => {
    const job = defineIterationJob({
      name: 'typed',
      parseParams: (data: unknown) => data as { tenant: string },
      buildEnumerator: () => [['a', 1] as const, ['b', 2] as const],
      eachIteration(item, ctx) {
        expectTypeOf(item).toEqualTypeOf<'a' | 'b'>();
        expectTypeOf(ctx.params.tenant).toEqualTypeOf<string>();
      },
    });
    expectTypeOf(job.name).toEqualTypeOf<string>();
  });

  it('accepts null as "nothing to do" and a promise of an enumerator', () => {
    defineIterationJob({
      name: 'maybe',
      buildEnumerator: async ({ cursor }: BuildEnumeratorArgs<object, number>) =>
        cursor === null ? usersAfter(null, 'all') : null,
      eachIteration(user) {
        expectTypeOf(user).toEqualTypeOf<User>();
      },
    });
  });

  it('types the results and events without any', () => {
    expectTypeOf<IterationSummary['processed']>().toEqualTypeOf<number>();
    expectTypeOf<IterationProgress['progress']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<IterationEvent['job']>().not.toBeAny();
    expectTypeOf<IterationContext<{ a: 1 }, string>['cursor']>().toEqualTypeOf<string | null>();
    type Listener = Parameters<IterationWorker['on']>;
    expectTypeOf<Listener[0]>().toMatchTypeOf<string>();
  });

  it('rejects a definition without its required functions at compile time', () => {
    const define = () =>
      // @ts-expect-error eachIteration is required
      defineIterationJob({ name: 'x', buildEnumerator: () => [] });
    expectTypeOf(define).toBeFunction();
  });

  it('types the limit and item-error options, and the failed-item surface', () => {
    defineIterationJob({
      name: 'limited',
      buildEnumerator: ({ cursor }: BuildEnumeratorArgs<{ region: string }, number>) =>
        usersAfter(cursor, 'all'),
      eachIteration() {},
      maxItemsPerRun: 100,
      maxItems: 1_000,
      interruptWhen: (ctx) => {
        expectTypeOf(ctx.params).toEqualTypeOf<{ region: string }>();
        return ctx.processed > 10;
      },
      itemErrors: { retries: 3, action: 'skip', maxSkippedShare: 0.01 },
    });
    expectTypeOf(getFailedItems).returns.resolves.toEqualTypeOf<FailedItems>();
    expectTypeOf<FailedItems['items']>().toEqualTypeOf<readonly FailedItemEntry[]>();
    expectTypeOf<FailedItemEntry>().toMatchTypeOf<FailedItem>();
    expectTypeOf(retryFailedItems).returns.resolves.toEqualTypeOf<Job>();
    expectTypeOf<IterationItemSkippedEvent['failedItem']>().toEqualTypeOf<FailedItem>();
    expectTypeOf<IterationSummary['skipped']>().toEqualTypeOf<number | undefined>();
  });

  it('restartRun takes a JSON start cursor and gives the new job with the old run', () => {
    expectTypeOf(restartRun).returns.resolves.toEqualTypeOf<RestartedRun>();
    expectTypeOf<RestartedRun['job']>().toEqualTypeOf<Job>();
    expectTypeOf<RestartOptions['fromCursor']>().toEqualTypeOf<JsonValue | null | undefined>();
    const ok: RestartOptions = { fromCursor: { id: '4822', at: ['2024-05-01', 3] } };
    // @ts-expect-error a Date is not JSON: the cursor would not survive the job's data
    const bad: RestartOptions = { fromCursor: { at: new Date() } };
    expectTypeOf(ok).toEqualTypeOf(bad);
    expectTypeOf<IterationRunInfo['restart']>().toEqualTypeOf<RestartRecord | undefined>();
  });
});
