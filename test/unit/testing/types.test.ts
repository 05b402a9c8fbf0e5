// The inline runner is typed from the job definition: params as the job declares them, cursors of
// the job's cursor type, and results and requeues as discriminated unions.
import { describe, expectTypeOf, it } from 'vitest';

import type { BuildEnumeratorArgs, IterationSummary } from '../../../src/index.js';
import { array, defineIterationJob } from '../../../src/index.js';
import type { InlineEvent, InlineRequeue, InlineRunResult } from '../../../src/testing/index.js';
import { runInline } from '../../../src/testing/index.js';

const mail = defineIterationJob({
  name: 'mail',
  buildEnumerator: ({ params, cursor }: BuildEnumeratorArgs<{ emails: string[] }, number>) =>
    array(params.emails, { cursor }),
  eachIteration: () => {},
});

describe('runInline types', () => {
  it('takes the params of the job and reports its cursor type', () => {
    const run = runInline(mail, { params: { emails: ['a@example.com'] } });
    expectTypeOf(run.cursor).toEqualTypeOf<number | null>();
    expectTypeOf(run.job.data).toEqualTypeOf<{ emails: string[] }>();
    expectTypeOf(run.summary).toEqualTypeOf<IterationSummary | undefined>();
    // @ts-expect-error params of another shape
    runInline(mail, { params: { emails: 'a@example.com' } });
    // @ts-expect-error params are required
    runInline(mail, {});
  });

  it('narrows results, requeues and events by their tag', () => {
    expectTypeOf<
      Extract<InlineRunResult, { outcome: 'completed' }>['summary']
    >().toEqualTypeOf<IterationSummary>();
    expectTypeOf<
      Extract<InlineRequeue, { reason: 'throttled' }>['throttle']['condition']
    >().toEqualTypeOf<string>();
    expectTypeOf<
      Extract<InlineEvent, { event: 'iteration.failed' }>['error']
    >().toEqualTypeOf<Error>();
    expectTypeOf<Extract<InlineRequeue, { reason: 'shutdown' }>>().toHaveProperty('delayMs');
  });
});
