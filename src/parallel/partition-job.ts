/**
 * A partition of a parallel run is an ordinary iteration job (checkpointed, fenced, interruptible,
 * throttled) of the same definition, seen through two small wrappers:
 *
 * - its definition: `onStart` is left to the parent (once per run), and `onComplete` is replaced by
 *   the partition's own completion step (start the next pending partition, publish the run's
 *   progress); the definition's `onComplete` runs on the parent, once all partitions completed.
 *   Its params and bounds come from its origin, like any run's (src/runtime/origin.ts).
 * - its host: a control request (pause, cancel) made on the parent applies to the partition,
 *   every progress publication may also republish the run's aggregate on the parent, and, when
 *   the definition rebalances, split requests reach the run and its splitter serves them.
 */
import type { CheckpointStore, JobRef } from '../backends/store.js';
import type {
  BuildEnumeratorArgs,
  ItemContext,
  IterationContext,
  IterationJobDefinition,
} from '../define-job.js';
import { parseControl } from '../runtime/control-request.js';
import type { RunAdmission, RunHost, RunSplitter } from '../runtime/host.js';
import { sharedReadsOf } from './shared-reads.js';

type Definition = IterationJobDefinition<unknown, unknown, unknown>;

/**
 * The definition a partition job runs with: `onStart` is left to the parent, and `completed`
 * replaces `onComplete`. Its params and partition come from the job's origin (see
 * src/runtime/origin.ts), as for every run.
 */
export function partitionDefinition(
  definition: Definition,
  completed: (ctx: IterationContext<unknown, unknown>) => Promise<void>,
): Definition {
  const { onStart: _onStart, onComplete: _onComplete, ...rest } = definition;
  // Called on the definition itself, so a method of it may use `this`; a job made of steps has
  // neither (its steps are kept as they are).
  const own =
    typeof definition.buildEnumerator === 'function'
      ? {
          buildEnumerator: (args: BuildEnumeratorArgs<unknown, unknown>) =>
            definition.buildEnumerator(args),
          eachIteration: (item: unknown, ctx: ItemContext<unknown, unknown>) =>
            definition.eachIteration(item, ctx),
        }
      : {};
  return Object.freeze({ ...rest, ...own, onComplete: completed });
}

/** How a rebalancing partition learns of split requests, and serves them. */
export interface PartitionSplitting {
  readonly splitter: RunSplitter;
  /** The split request flagged on the partition's job, as run request text, if any. */
  readonly request: () => Promise<string | undefined>;
}

/** The host a partition job runs with. */
export function partitionHost(
  host: RunHost,
  own: JobRef,
  parent: JobRef,
  afterPublish: (status: unknown) => Promise<void>,
  splitting?: PartitionSplitting,
  admission?: RunAdmission,
): RunHost {
  const store = host.store;
  // The run's request and settings, polled by every partition: one read per worker and interval.
  const shared = sharedReadsOf(store, host.options.controlPollIntervalMs);
  const isParent = (ref: JobRef) => ref.id === parent.id && ref.queueName === parent.queueName;
  const seen: CheckpointStore = {
    load: (ref) => store.load(ref),
    save: (ref, token, json) => store.save(ref, token, json),
    setControl: async (ref, json) => {
      shared.forget('control', ref);
      await store.setControl(ref, json);
    },
    loadClaims: (ref) => store.loadClaims(ref),
    swapClaims: (ref, expected, next) => store.swapClaims(ref, expected, next),
    loadSettings: (ref) =>
      isParent(ref)
        ? shared.read('settings', ref, () => store.loadSettings(ref))
        : store.loadSettings(ref),
    swapSettings: async (ref, expected, next) => {
      // Won or lost, the shared read is stale now: a lost swap's retry reads the store.
      shared.forget('settings', ref);
      const swapped = await store.swapSettings(ref, expected, next);
      shared.forget('settings', ref);
      return swapped;
    },
    takeTokens: (ref, wanted, perSecond, burst) => store.takeTokens(ref, wanted, perSecond, burst),
    takeSlot: (ref, holder, target, ttlMs) => store.takeSlot(ref, holder, target, ttlMs),
    releaseSlot: (ref, holder) => store.releaseSlot(ref, holder),
    // The partition's own request first (an operator may pause one partition), then the run's,
    // then a split request: an operator's pause or cancel always wins over rebalancing.
    loadControl: async (ref) => {
      const mine = await store.loadControl(ref);
      if (ref.id !== own.id || ref.queueName !== own.queueName) return mine;
      if (parseControl(mine) !== undefined) return mine;
      const run = await shared.read('control', parent, () => store.loadControl(parent));
      if (parseControl(run) !== undefined) return run;
      return (await splitting?.request()) ?? mine;
    },
  };
  return {
    ...host,
    runRef: parent,
    ...(admission === undefined ? {} : { admission }),
    ...(splitting === undefined ? {} : { splitter: splitting.splitter }),
    store: seen,
    publishProgress: async (job, progress) => {
      await host.publishProgress(job, progress);
      await afterPublish((progress as { status?: unknown }).status);
    },
  };
}
