/**
 * `defineIterationJob`: how users declare an iteration job (an enumerator over a collection plus a
 * step per item), validated here, once, at definition time, so a broken definition fails when the
 * module loads rather than in production at 3 a.m. The types it takes and returns are in
 * job-context.ts and job-definition.ts, re-exported here.
 */
import type { Job } from 'bullmq';

import type { ParamsParser } from './enqueue-params.js';
import { enqueuedParams } from './enqueue-params.js';
import type {
  EnqueueOptions,
  EnqueueTarget,
  IterationJob,
  IterationStepsJob,
  StepsJobDefinition,
} from './job-definition.js';
import type { ChosenCursor, DefinitionInput, JsonChecked } from './job-typing.js';
import { checkRate, JOB_OPTIONS_KEY } from './runtime/run-rate.js';
import { setJobThrottle } from './throttle/job-throttle.js';
import { validateDefinition } from './validate-definition.js';

export type * from './job-context.js';
export type * from './job-definition.js';
export type * from './job-typing.js';
export { jobThrottle } from './throttle/job-throttle.js';

/**
 * Declares an iteration job. Types of params, item and cursor are inferred from the definition
 * (annotate `buildEnumerator`'s argument with `BuildEnumeratorArgs<Params, Cursor>` or pass
 * `parseParams` to give params a type).
 *
 * @example
 * ```ts
 * export const notifyUsers = defineIterationJob({
 *   name: 'notify-users',
 *   buildEnumerator: ({ params, cursor }: BuildEnumeratorArgs<{ segment: string }, number>) =>
 *     usersAfter(cursor, params.segment), // yields [user, user.id]
 *   async eachIteration(user, ctx) {
 *     await sendNotice(user, ctx.params.segment);
 *   },
 * });
 * ```
 */
export function defineIterationJob<
  Params = Record<string, unknown>,
  Item = unknown,
  Cursor = unknown,
  ArgCursor = unknown,
  Tx = undefined,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  Partition = any,
>(
  definition: DefinitionInput<Params, Item, Cursor, ArgCursor, Tx, Partition> &
    JsonChecked<Params, ChosenCursor<ArgCursor, Cursor>>,
): IterationJob<Params, Item, ChosenCursor<ArgCursor, Cursor>, Tx>;
export function defineIterationJob<Params = Record<string, unknown>, Tx = undefined>(
  definition: StepsJobDefinition<Params, Tx> & JsonChecked<Params, null>,
): IterationStepsJob<Params, Tx>;
export function defineIterationJob<Params, Item, Cursor, ArgCursor, Tx, Partition>(
  definition:
    | DefinitionInput<Params, Item, Cursor, ArgCursor, Tx, Partition>
    | StepsJobDefinition<Params, Tx>,
): IterationJob<Params, Item, ChosenCursor<ArgCursor, Cursor>, Tx> | IterationStepsJob<Params, Tx> {
  const throttle = validateDefinition(definition);
  const frozen = Object.freeze({ ...definition });
  setJobThrottle(frozen, throttle);
  return Object.freeze({
    name: frozen.name,
    definition: frozen,
    async enqueue(
      queue: EnqueueTarget<Params>,
      params: Params,
      options: EnqueueOptions = {},
    ): Promise<Job<Params>> {
      const { rate, ...bullOptions } = options;
      const run =
        rate === undefined ? undefined : { rate: checkRate(rate, `enqueue of "${frozen.name}"`) };
      const data = enqueuedParams(frozen as ParamsParser<Params>, params);
      const jobOptions = {
        ...frozen.defaultJobOptions,
        ...bullOptions,
        ...(run === undefined ? {} : { [JOB_OPTIONS_KEY]: run }),
      };
      return (await queue.add(frozen.name, data, jobOptions)) as unknown as Job<Params>;
    },
  }) as unknown as IterationJob<Params, Item, ChosenCursor<ArgCursor, Cursor>, Tx>;
}
