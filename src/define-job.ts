/**
 * `defineIterationJob`: how users declare an iteration job (an enumerator over a collection plus a
 * step per item), validated here, once, at definition time, so a broken definition fails when the
 * module loads rather than in production at 3 a.m. The types it takes and returns are in
 * job-context.ts and job-definition.ts, re-exported here.
 */
import type { EnqueueOptions } from './enqueue.js';
import { enqueueRun } from './enqueue.js';
import type {
  EnqueueTarget,
  IterationJob,
  IterationStepsJob,
  StepsJobDefinition,
} from './job-definition.js';
import type { ChosenCursor, DefinitionInput, JsonChecked } from './job-typing.js';
import { withParamsSchema } from './params-schema.js';
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
// The steps overload comes first: a compiler reports the last overload's error when none
// matches, and the error a mistyped enumerator job needs is the JSON check's, not `steps`'s.
export function defineIterationJob<Params = Record<string, unknown>, Tx = undefined>(
  definition: StepsJobDefinition<Params, Tx> & JsonChecked<Params, null>,
): IterationStepsJob<Params, Tx>;
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
export function defineIterationJob<Params, Item, Cursor, ArgCursor, Tx, Partition>(
  definition:
    | DefinitionInput<Params, Item, Cursor, ArgCursor, Tx, Partition>
    | StepsJobDefinition<Params, Tx>,
): IterationJob<Params, Item, ChosenCursor<ArgCursor, Cursor>, Tx> | IterationStepsJob<Params, Tx> {
  const throttle = validateDefinition(definition);
  const frozen = Object.freeze(withParamsSchema({ ...definition }));
  setJobThrottle(frozen, throttle);
  return Object.freeze({
    name: frozen.name,
    definition: frozen,
    enqueue: (queue: EnqueueTarget<Params>, params: Params, options?: EnqueueOptions) =>
      enqueueRun(frozen as Parameters<typeof enqueueRun<Params>>[0], queue, params, options),
  }) as unknown as IterationJob<Params, Item, ChosenCursor<ArgCursor, Cursor>, Tx>;
}
