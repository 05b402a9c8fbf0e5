/**
 * `defineIterationJob`: how users declare an iteration job (an enumerator over a collection plus a
 * step per item), and the types that describe it. Validation happens here, once, at definition
 * time, so a broken definition fails when the module loads rather than in production at 3 a.m.
 */
import type { Job, JobsOptions } from 'bullmq';
import type { Logger } from 'pino';

import type { CsvUploadOption } from './csv-upload-option.js';
import type { EnqueueOptions } from './enqueue.js';
import { enqueueRun } from './enqueue.js';
import type { EnumeratorSource } from './enumerator.js';
import type { JsonCompatible } from './json.js';
import type { CheckpointMode } from './options.js';
import type { PartitionFailurePolicy } from './parallel/plan.js';
import type { StandardSchema } from './params-schema.js';
import { withParamsSchema } from './params-schema.js';
import type { ItemErrorPolicy } from './runtime/item-policy.js';
import type { CallStep, EnumeratedStep } from './steps-definition.js';
import type { ThrottleOption } from './throttle/condition.js';
import type { ResolvedThrottle } from './throttle/resolve.js';
import { resolveThrottle } from './throttle/resolve.js';
import type { Transactional } from './transactional/adapter.js';
import { validateDefinition } from './validate-definition.js';

export type MaybePromise<T> = T | Promise<T>;

/** What `buildEnumerator` receives. */
// `any` by default so that `partition.from` reads without annotations; `partitions` infers it.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface BuildEnumeratorArgs<Params, Cursor = unknown, Partition = any> {
  /** The job's params: its BullMQ data, as given to `enqueue` (after `parseParams`, if any). */
  readonly params: Params;
  /** `null` on the first run; afterwards the cursor of the last finished item. */
  readonly cursor: Cursor | null;
  readonly job: Job<Params>;
  /** The partition this job processes, in a parallel run (see `partitions`); else `undefined`. */
  readonly partition: Partition;
}

/** What `splitPartition` receives: a running partition and where it stands. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface SplitPartitionArgs<Params, Cursor, Partition = any> {
  /** The partition's bounds now: as planned, or as an earlier split left them. */
  readonly partition: Partition;
  /** The partition's durable cursor (`null` before its first item); nothing is in flight. */
  readonly cursor: Cursor | null;
  readonly params: Params;
  /** The partition's job. */
  readonly job: Job;
}

/** What `partitions` receives: the run's params and its parent job. */
export interface PartitionsArgs<Params> {
  readonly params: Params;
  readonly job: Job<Params>;
}

/** What every callback of a job receives, one object per run. */
export interface IterationContext<Params, Cursor> {
  readonly params: Params;
  readonly job: Job<Params>;
  /** Cursor of the last finished item (`null` before the first). */
  readonly cursor: Cursor | null;
  /** Items finished over the whole life of the job, across runs. */
  readonly processed: number;
  /** How many earlier runs of this job were interrupted and requeued. */
  readonly timesInterrupted: number;
  /** How many earlier runs of this job ended throttled (not counted in `timesInterrupted`). */
  readonly timesThrottled: number;
  /** Time this job has spent waiting after throttles, in milliseconds. */
  readonly throttledMs: number;
  /** Running time summed over every run of the job so far, in milliseconds. */
  readonly totalTimeMs: number;
  /** In a job made of `steps`: the name of the step running now; `undefined` in other jobs. */
  readonly step: string | undefined;
  /** A pino child logger bound to the queue, the job name and the job id. */
  readonly logger: Logger;
  /**
   * Aborts when this run must wind down (shutdown, `maxRuntimeMs`, a cancel, a lost lock). The
   * runtime stops at the next item boundary by itself; pass the signal to slow calls inside
   * `eachIteration` to give up sooner (the unfinished item is redone by the next run).
   */
  readonly signal: AbortSignal;
  /** Finishes early: no more items, the job completes and `onComplete` runs. */
  stop(): void;
}

/** What `eachIteration` receives: the run's context plus the item in hand. */
export interface ItemContext<Params, Cursor, Tx = undefined> extends IterationContext<
  Params,
  Cursor
> {
  /**
   * The driver's client inside this item's open transaction, for jobs with `transactional` (the
   * cursor is committed in it too); `undefined` otherwise. Use it only inside the step, and never
   * begin, commit or roll back on it. See the exactly-once guide.
   */
  readonly tx: Tx;
  /**
   * The same string on every try of this item (retries, resumes, crashes): the job id and the
   * item's cursor. Hand it to external services that drop repeated keys (an `Idempotency-Key`).
   */
  readonly idempotencyKey: string;
}

/** The value `buildEnumerator` may return; `null`/`undefined` means there is nothing to do. */
export type BuiltEnumerator<Item, Cursor> = EnumeratorSource<Item, Cursor> | null | undefined;

/** Lifecycle callback; each receives the run's context. */
export type IterationCallback<Params, Cursor> = (
  ctx: IterationContext<Params, Cursor>,
) => MaybePromise<void>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface IterationJobDefinition<Params, Item, Cursor, Tx = undefined, Partition = any> {
  /** The BullMQ job name; unique among the jobs of one worker. */
  readonly name: string;
  /**
   * Makes the job a parallel run: planned once when the run starts, one partition per element of
   * the array (JSON values), each processed by its own child job, on any worker, at the same time.
   * `buildEnumerator` receives the partition as `partition`; `onStart` and `onComplete` run once
   * per run. See the parallel guide. @defaultValue none: one job iterates everything
   *
   * @example
   * ```ts
   * partitions: ({ params }) => rangePartitions({ from: 0, to: params.lastId + 1, count: 32 }),
   * ```
   */
  readonly partitions?: (args: PartitionsArgs<Params>) => MaybePromise<readonly Partition[]>;
  /**
   * At most this many partitions of one run are active (waiting or running) at once, so one huge
   * run cannot take every worker slot. @defaultValue unlimited: every partition is added at once
   */
  readonly maxConcurrentPartitions?: number;
  /**
   * What the other partitions do when one exhausts its attempts (the run fails either way).
   * @defaultValue `'finish-others'`
   */
  readonly onPartitionFailure?: PartitionFailurePolicy;
  /**
   * Turns rebalancing on: when a partition completes and none is left to start, the run asks the
   * running partition with the most items left to split; at an item boundary that partition calls
   * this with its bounds and durable cursor, keeps `shrunk` and hands `added` to a new partition
   * job. Return `undefined` to keep everything. The two must cover exactly the items the partition
   * has left after `cursor`, with none in both: `splitRange` and `splitKeyset` do.
   * @defaultValue none: partitions keep the bounds they were planned with
   *
   * @example
   * ```ts
   * splitPartition: ({ partition, cursor }) => splitRange(partition, cursor, { minItems: 1000 }),
   * ```
   */
  readonly splitPartition?: (
    args: SplitPartitionArgs<Params, Cursor, Partition>,
  ) => MaybePromise<readonly [shrunk: Partition, added: Partition] | undefined>;
  /**
   * `false` keeps `splitPartition` defined but never splits (an operator's off switch).
   * @defaultValue true when `splitPartition` is set
   */
  readonly rebalance?: boolean;
  /**
   * Builds the enumerator from the job's params and its cursor: `null` on the first run, the last
   * saved cursor afterwards, in which case it must yield only what comes after that cursor.
   * Return any (async) iterable of `[item, cursorAfterItem]` pairs, or a promise of one.
   *
   * @example
   * ```ts
   * buildEnumerator: ({ cursor }) => array(ids, { cursor }),
   * ```
   */
  buildEnumerator(
    args: BuildEnumeratorArgs<Params, Cursor, Partition>,
  ): MaybePromise<BuiltEnumerator<Item, Cursor>>;
  /** The work for one item. Throwing fails the attempt; the retry starts again at this item. */
  eachIteration(item: Item, ctx: ItemContext<Params, Cursor, Tx>): MaybePromise<void>;
  /**
   * Commit each item's effects and its cursor in one transaction of the database the items write
   * to, so no item is applied twice or skipped, whatever crashes (see the exactly-once guide).
   * @defaultValue none: the cursor is checkpointed on the queue's backend after the item
   *
   * @example
   * ```ts
   * transactional: pgTransactions(pool),
   * async eachIteration(user, ctx) { await ctx.tx.query('UPDATE users SET … WHERE id = $1', [user.id]); },
   * ```
   */
  readonly transactional?: Transactional<Tx>;
  /**
   * Checks and types the job's data before a run (and before `enqueue` writes it). Throw to reject
   * it: the job then fails without retry, with your message.
   */
  readonly parseParams?: (data: unknown) => Params;
  /**
   * The params' schema: any Standard Schema validator (zod, valibot, arktype). It types
   * `ctx.params` and `enqueue`, checks the params at enqueue and when a run starts (with the
   * schema's own messages), and gives the console its "New run" form. Runs before `parseParams`.
   * @defaultValue none
   *
   * @example
   * ```ts
   * params: z.object({ segment: z.enum(['trial', 'paid']), since: z.string().date() }),
   * ```
   */
  readonly params?: StandardSchema<unknown, Params>;
  /**
   * Lets the console start runs of this job from an uploaded CSV file: the param that receives
   * the file's path, and checks of its content. @defaultValue none
   */
  readonly csvUpload?: CsvUploadOption;
  /**
   * Once in the life of the job, before its first item. Not called on resumes or retries. In a
   * parallel run, once per run, before any partition is planned.
   */
  readonly onStart?: IterationCallback<Params, Cursor>;
  /** At the start of every later run (after an interruption or a failed attempt). */
  readonly onResume?: IterationCallback<Params, Cursor>;
  /** At the end of every run, whatever its outcome; errors are logged, never change the outcome. */
  readonly onShutdown?: IterationCallback<Params, Cursor>;
  /**
   * Once, when the enumerator is exhausted or `stop()` was called. In a parallel run, once per
   * run, after every partition completed (`ctx.processed` is the sum over partitions).
   */
  readonly onComplete?: IterationCallback<Params, Cursor>;
  /**
   * Wall time one run may take before it checkpoints and requeues itself, so a long job shares the
   * worker with others. Overrides the worker's `maxRuntimeMs`. @defaultValue unlimited
   */
  readonly maxRuntimeMs?: number;
  /**
   * Items one run may finish before it checkpoints and requeues itself (reason `max-items`), so a
   * long job shares the worker with others, like `maxRuntimeMs` but counted in items. No attempt
   * is counted and the next run continues after the last finished item. @defaultValue unlimited
   */
  readonly maxItemsPerRun?: number;
  /**
   * Items the job finishes over its whole life (across runs) before it stops: the job then
   * completes as if `ctx.stop()` had been called (`stoppedEarly: true`, `onComplete` runs).
   * Useful to try a backfill on its first N rows. @defaultValue unlimited
   */
  readonly maxItems?: number;
  /**
   * Checked after every finished item: when it returns true, the run checkpoints and requeues
   * itself like a deploy would (reason `condition`), counting no attempt. It is not checked before
   * the first item of a run, so every run moves forward; for a condition that should hold the job
   * back for a while, use `throttle` (which requeues after a backoff) instead. Errors it throws
   * are the job's own, like those of `eachIteration`. @defaultValue none
   *
   * @example
   * ```ts
   * interruptWhen: () => draining.has(process.env.REGION),
   * ```
   */
  readonly interruptWhen?: (ctx: IterationContext<Params, Cursor>) => MaybePromise<boolean>;
  /**
   * What a failing item does: try it again in place a few times, then fail the attempt (the
   * default, as without this option) or skip it and record it for `getFailedItems`. See the
   * item failures guide. @defaultValue none: an item error fails the attempt at once
   *
   * @example
   * ```ts
   * itemErrors: { retries: 3, action: 'skip', maxSkipped: 50 },
   * ```
   */
  readonly itemErrors?: ItemErrorPolicy;
  /**
   * `coalesced` (default): the cursor is saved in the background after every item, at most one
   * write in flight, the newest cursor wins; a crash redoes at most the items finished during the
   * last write. `strict`: each item waits for its checkpoint to be durable before the next starts;
   * a crash redoes at most the item in flight. Overrides the worker's `checkpointMode`.
   */
  readonly checkpointMode?: CheckpointMode;
  /**
   * Conditions checked before each item (or batch) is fetched, and once before `buildEnumerator`:
   * when one holds, the job checkpoints and requeues itself after the condition's backoff, without
   * counting an attempt. Combined with the worker's `throttle`. See the throttling guide.
   * @defaultValue none
   *
   * @example
   * ```ts
   * throttle: [replicaLag, { name: 'paused', check: ({ params }) => paused.has(params.shopId) }],
   * ```
   */
  readonly throttle?: ThrottleOption<Params, Cursor>;
  /**
   * BullMQ job options `enqueue` uses for this job (`attempts`, `backoff`, `priority`, …); the
   * options given to `enqueue` win, key by key. A plain `queue.add` does not see them.
   * @defaultValue none (BullMQ's defaults: one attempt)
   *
   * @example
   * ```ts
   * defaultJobOptions: { attempts: 5, backoff: { type: 'exponential', delay: 10_000 } },
   * ```
   */
  readonly defaultJobOptions?: JobsOptions;
}

/** One step of a job made of `steps` (see the steps guide): it iterates, or it is one call. */
export type IterationStep<Params> =
  | EnumeratedStep<BuildEnumeratorArgs<Params, unknown>, IterationContext<Params, unknown>>
  | CallStep<IterationContext<Params, unknown>>;

/**
 * A job made of steps run in order: every option of a job but the top-level enumerator and step,
 * which live in its steps. `onStart` runs before the first step, `onComplete` after the last;
 * `ctx.stop()` (and `maxItems`) completes the whole job, skipping the steps left.
 *
 * @example
 * ```ts
 * defineIterationJob({
 *   name: 'export-accounts',
 *   steps: [
 *     { name: 'export', buildEnumerator: ({ cursor }) => array(ids, { cursor }), eachIteration: exportOne },
 *     { name: 'notify', run: (ctx) => notifyOwners(ctx.params) },
 *     { name: 'cleanup', isolated: true, buildEnumerator: cleanupEnumerator, eachIteration: drop },
 *   ],
 * });
 * ```
 */
export interface StepsJobDefinition<Params> extends Omit<
  IterationJobDefinition<Params, unknown, unknown>,
  'buildEnumerator' | 'eachIteration'
> {
  /** The steps, run in this order; at least one, names unique. */
  readonly steps: readonly IterationStep<Params>[];
  readonly buildEnumerator?: never;
  readonly eachIteration?: never;
}

/**
 * What `enqueue` needs of a queue: BullMQ's `Queue` on any backend (Redis or PostgreSQL) fits.
 */
export interface EnqueueTarget<Params> {
  add(name: string, data: Params, options?: JobsOptions): Promise<Job<unknown, unknown, string>>;
}

/** A defined iteration job: its definition plus helpers to enqueue it. */
export interface IterationJob<Params, Item, Cursor, Tx = undefined> {
  readonly name: string;
  readonly definition: IterationJobDefinition<Params, Item, Cursor, Tx>;
  /**
   * Adds a run of this job to `queue`. The job's data is `params`, untouched: a plain
   * `queue.add(job.name, params)` is equivalent. For a job with `partitions`, the job returned is
   * the run's parent: it completes once every partition completed.
   *
   * @example
   * ```ts
   * await notifyUsers.enqueue(queue, { segment: 'trial' }, { priority: 5 });
   * ```
   */
  enqueue(
    queue: EnqueueTarget<Params>,
    params: Params,
    options?: EnqueueOptions,
  ): Promise<Job<Params>>;
}

/** Any iteration job, whatever its types; what a worker accepts in its job list. */
export interface AnyIterationJob {
  readonly name: string;
  // Method syntax keeps the definition assignable whatever its params, items and cursors are.
  readonly definition:
    | {
        readonly name: string;
        buildEnumerator(args: never): unknown;
        eachIteration(item: never, ctx: never): unknown;
      }
    | { readonly name: string; readonly steps: readonly unknown[] };
}

/** A defined job made of steps (see `StepsJobDefinition`): its definition and `enqueue`. */
export interface IterationStepsJob<Params> extends Omit<
  IterationJob<Params, unknown, unknown>,
  'definition'
> {
  readonly definition: StepsJobDefinition<Params>;
}

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

// The steps overload comes first: a compiler reports the last overload's error when none
// matches, and the error a mistyped enumerator job needs is the JSON check's, not `steps`'s.
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
export function defineIterationJob<Params = Record<string, unknown>>(
  definition: StepsJobDefinition<Params> & JsonChecked<Params, null>,
): IterationStepsJob<Params>;
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
    DefinitionInput<Params, Item, Cursor, ArgCursor, Tx, Partition> | StepsJobDefinition<Params>,
): IterationJob<Params, Item, ChosenCursor<ArgCursor, Cursor>, Tx> | IterationStepsJob<Params> {
  const throttle = validateDefinition(definition);
  const frozen = Object.freeze(withParamsSchema({ ...definition }));
  resolvedThrottles.set(frozen, throttle);
  return Object.freeze({
    name: frozen.name,
    definition: frozen,
    enqueue: (queue: EnqueueTarget<Params>, params: Params, options?: EnqueueOptions) =>
      enqueueRun(frozen as Parameters<typeof enqueueRun<Params>>[0], queue, params, options),
  }) as unknown as IterationJob<Params, Item, ChosenCursor<ArgCursor, Cursor>, Tx>;
}

/**
 * The resolved `throttle` of each definition made by defineIterationJob, kept off the frozen
 * definition so its public shape stays what the user wrote. Typed for any params and cursor: the
 * runtime handles every job through `unknown`.
 */
const resolvedThrottles = new WeakMap<object, ResolvedThrottle>();

/**
 * A job definition's own throttle, resolved once. A definition that did not come from
 * defineIterationJob is validated on its first use (the worker does that in its constructor).
 */
export function jobThrottle(definition: {
  readonly name: string;
  readonly throttle?: unknown;
}): ResolvedThrottle {
  let resolved = resolvedThrottles.get(definition);
  if (resolved === undefined) {
    resolved = resolveThrottle(definition.throttle as ThrottleOption | undefined, {
      jobName: definition.name,
    });
    resolvedThrottles.set(definition, resolved);
  }
  return resolved;
}
