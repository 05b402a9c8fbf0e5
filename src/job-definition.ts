/**
 * The shape of an iteration job (every option documented where it is typed, with its default) and
 * what `defineIterationJob` returns. Types only: validation is in validate-definition.ts.
 */
import type { Job, JobsOptions } from 'bullmq';

import type { CheckpointDefinition } from './checkpoint-definition.js';
import type { CsvUploadOption } from './csv-upload-option.js';
import type { EnqueueOptions } from './enqueue.js';
import type { FlowControlDefinition } from './flow-definition.js';
import type {
  BuildEnumeratorArgs,
  BuiltEnumerator,
  ItemContext,
  IterationCallback,
  IterationContext,
  MaybePromise,
  PartitionsArgs,
  SplitPartitionArgs,
} from './job-context.js';
import type { PartitionFailurePolicy } from './parallel/plan.js';
import type { StandardSchema } from './params-schema.js';
import type { ItemErrorPolicy } from './runtime/item-policy.js';
import type { CallStep, EnumeratedStep } from './steps-definition.js';
import type { ThrottleOption } from './throttle/condition.js';
import type { Transactional } from './transactional/adapter.js';
import type { VersionOptions } from './versions-definition.js';

/** An iteration job: an enumerator and a step per item (or `steps`), and its options. */
export interface IterationJobDefinition<
  Params,
  Item,
  Cursor,
  Tx = undefined,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- `partitions` infers it
  Partition = any,
>
  extends FlowControlDefinition<Params>, CheckpointDefinition, VersionOptions {
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

/**
 * One step of a job made of `steps` (see the steps guide): it iterates, or it is one call. With
 * `transactional`, an iterating step's items each run in a transaction (`ctx.tx`), and the step
 * fences its own cursor.
 */
export type IterationStep<Params, Tx = undefined> =
  | EnumeratedStep<BuildEnumeratorArgs<Params, unknown>, ItemContext<Params, unknown, Tx>>
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
export interface StepsJobDefinition<Params, Tx = undefined> extends Omit<
  IterationJobDefinition<Params, unknown, unknown, Tx>,
  'buildEnumerator' | 'eachIteration'
> {
  /** The steps, run in this order; at least one, names unique. */
  readonly steps: readonly IterationStep<Params, Tx>[];
  readonly buildEnumerator?: never;
  readonly eachIteration?: never;
}

/** What `enqueue` needs of a queue: BullMQ's `Queue` on any backend (Redis or PostgreSQL) fits. */
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
   * await notifyUsers.enqueue(queue, { segment: 'trial' }, { priority: 5, rate: { itemsPerSecond: 200 } });
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
export interface IterationStepsJob<Params, Tx = undefined> extends Omit<
  IterationJob<Params, unknown, unknown, Tx>,
  'definition'
> {
  readonly definition: StepsJobDefinition<Params, Tx>;
}
