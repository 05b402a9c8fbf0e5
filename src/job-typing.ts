/**
 * The type-level part of `defineIterationJob`: how it infers a job's cursor, and how it refuses,
 * at compile time, params and cursors that are not JSON data.
 */
import type { BuildEnumeratorArgs, BuiltEnumerator, MaybePromise } from './job-context.js';
import type { IterationJobDefinition } from './job-definition.js';
import type { JsonCompatible } from './json.js';

/**
 * The cursor type of a job: the one `buildEnumerator`'s argument is annotated with, else the one
 * its enumerator yields (a built-in builder knows it: `array` yields `number`, `keyset` a
 * `KeysetCursor`).
 */
export type ChosenCursor<ArgCursor, Cursor> = unknown extends ArgCursor ? Cursor : ArgCursor;

/**
 * Nothing when params and cursor are JSON-compatible types; otherwise a required property whose
 * name is the compile error (`Property '…' is missing`), since a `Date` or a `bigint` would only
 * fail at run time.
 */
export type JsonChecked<Params, Cursor> = [Params] extends [JsonCompatible<Params>]
  ? [Cursor] extends [JsonCompatible<Cursor>]
    ? unknown
    : { readonly 'the cursor type must be JSON data: no Date, Map, Set, bigint or function': never }
  : { readonly 'the params type must be JSON data: no Date, Map, Set, bigint or function': never };

/**
 * What `defineIterationJob` accepts. `buildEnumerator`'s argument has a cursor type of its own
 * (`ArgCursor`, `unknown` unless annotated) so that TypeScript infers the job's cursor from the
 * enumerator it returns instead of fixing it to `unknown` when it types the argument.
 */
export interface DefinitionInput<
  Params,
  Item,
  Cursor,
  ArgCursor,
  Tx = undefined,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  Partition = any,
> extends Omit<
  IterationJobDefinition<Params, Item, ChosenCursor<ArgCursor, Cursor>, Tx, Partition>,
  'buildEnumerator'
> {
  buildEnumerator(
    args: BuildEnumeratorArgs<Params, ArgCursor, Partition>,
  ): MaybePromise<BuiltEnumerator<Item, Cursor>>;
}
