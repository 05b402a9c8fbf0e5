// The public types of jobs made of steps: params flow into every step, ctx.step and the step
// figures are typed, and a steps job is accepted wherever an iteration job is.
import { describe, expectTypeOf, it } from 'vitest';

import type {
  AnyIterationJob,
  BuildEnumeratorArgs,
  IterationProgress,
  IterationRunInfo,
  IterationStep,
  IterationStepEvent,
  IterationStepsJob,
  IterationWorkerEvents,
  StepState,
} from '../../../src/index.js';
import { array, defineIterationJob } from '../../../src/index.js';

describe('steps types', () => {
  it('types params from parseParams in every step, and ctx.step', () => {
    const job = defineIterationJob({
      name: 'export-accounts',
      parseParams: (data: unknown) => data as { region: string; ids: string[] },
      steps: [
        {
          name: 'export',
          buildEnumerator: ({ params, cursor }) => {
            expectTypeOf(params).toEqualTypeOf<{ region: string; ids: string[] }>();
            expectTypeOf(cursor).toEqualTypeOf<unknown>();
            return array(params.ids, { cursor: cursor as number | null });
          },
          // Items are unknown unless annotated; an annotation is accepted.
          eachIteration(id: string, ctx) {
            expectTypeOf(id).toEqualTypeOf<string>();
            expectTypeOf(ctx.params.region).toEqualTypeOf<string>();
            expectTypeOf(ctx.step).toEqualTypeOf<string | undefined>();
          },
        },
        {
          name: 'notify',
          isolated: true,
          run: async (ctx) => {
            expectTypeOf(ctx.params.region).toEqualTypeOf<string>();
          },
        },
      ],
    });
    expectTypeOf(job).toEqualTypeOf<IterationStepsJob<{ region: string; ids: string[] }>>();
    expectTypeOf(job.enqueue).parameter(1).toEqualTypeOf<{ region: string; ids: string[] }>();
    expectTypeOf(job).toMatchTypeOf<AnyIterationJob>();
    expectTypeOf(job.definition.steps).toEqualTypeOf<
      readonly IterationStep<{ region: string; ids: string[] }>[]
    >();
  });

  it('types params from an annotated buildEnumerator of a step', () => {
    const job = defineIterationJob({
      name: 'typed-by-step',
      steps: [
        {
          name: 'only',
          buildEnumerator: ({ params }: BuildEnumeratorArgs<{ n: number }, unknown>) =>
            array([params.n], { cursor: null }),
          eachIteration() {},
        },
      ],
    });
    expectTypeOf(job.enqueue).parameter(1).toEqualTypeOf<{ n: number }>();
  });

  it('rejects a job with both steps and a top-level enumerator, and a step with both forms', () => {
    // Not called: the definitions would also fail validation at run time.
    const both = () =>
      defineIterationJob({
        name: 'both',
        buildEnumerator: () => [],
        eachIteration() {},
        // @ts-expect-error a job has steps or a top-level enumerator, never both
        steps: [{ name: 'a', run() {} }],
      });
    const mixed = () =>
      // @ts-expect-error a step iterates or is one call
      defineIterationJob({
        name: 'mixed-step',
        steps: [{ name: 'a', run() {}, buildEnumerator: () => [], eachIteration() {} }],
      });
    expectTypeOf(both).toBeFunction();
    expectTypeOf(mixed).toBeFunction();
  });

  it('types the step figures of events, progress and status', () => {
    expectTypeOf<IterationStepEvent['step']>().toEqualTypeOf<string>();
    expectTypeOf<IterationStepEvent['index']>().toEqualTypeOf<number>();
    expectTypeOf<
      Parameters<IterationWorkerEvents['iteration.stepStarted']>[0]
    >().toEqualTypeOf<IterationStepEvent>();
    expectTypeOf<IterationProgress['step']>().toEqualTypeOf<StepState | undefined>();
    expectTypeOf<IterationRunInfo['step']>().toEqualTypeOf<StepState | undefined>();
    expectTypeOf<StepState>().toEqualTypeOf<{
      readonly name: string;
      readonly index: number;
      readonly count: number;
    }>();
  });
});
