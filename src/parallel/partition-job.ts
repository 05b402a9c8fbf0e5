/**
 * A partition of a parallel run is an ordinary iteration job (checkpointed, fenced, interruptible,
 * throttled) of the same definition, seen through two small wrappers:
 *
 * - its definition: params come from the partition's data, `buildEnumerator` receives the
 *   partition, `onStart` is left to the parent (once per run), and `onComplete` is replaced by the
 *   partition's own completion step (start the next pending partition, publish the run's
 *   progress); the definition's `onComplete` runs on the parent, once all partitions completed.
 * - its host: a control request (pause, cancel) made on the parent applies to the partition, and
 *   every progress publication may also republish the run's aggregate on the parent.
 */
import type { CheckpointStore, JobRef } from '../backends/store.js';
import type {
  BuildEnumeratorArgs,
  ItemContext,
  IterationContext,
  IterationJobDefinition,
} from '../define-job.js';
import type { RunHost } from '../runtime/host.js';
import { partitionOf } from './partition-data.js';

type Definition = IterationJobDefinition<unknown, unknown, unknown>;

/** The definition a partition job runs with; `completed` replaces `onComplete`. */
export function partitionDefinition(
  definition: Definition,
  completed: (ctx: IterationContext<unknown, unknown>) => Promise<void>,
): Definition {
  const { onStart: _onStart, onComplete: _onComplete, parseParams, ...rest } = definition;
  return Object.freeze({
    ...rest,
    parseParams: (data: unknown) => {
      const params = partitionOf(data)?.params;
      return parseParams === undefined ? params : parseParams(params);
    },
    // Called on the definition itself, so a method of it may use `this`.
    buildEnumerator: (args: BuildEnumeratorArgs<unknown, unknown>) =>
      definition.buildEnumerator({ ...args, partition: partitionOf(args.job.data)?.value }),
    eachIteration: (item: unknown, ctx: ItemContext<unknown, unknown>) =>
      definition.eachIteration(item, ctx),
    onComplete: completed,
  });
}

/** The host a partition job runs with. */
export function partitionHost(
  host: RunHost,
  own: JobRef,
  parent: JobRef,
  afterPublish: (status: unknown) => Promise<void>,
): RunHost {
  const store = host.store;
  const seen: CheckpointStore = {
    load: (ref) => store.load(ref),
    save: (ref, token, json) => store.save(ref, token, json),
    setControl: (ref, json) => store.setControl(ref, json),
    // The partition's own request first (an operator may pause one partition), then the run's.
    loadControl: async (ref) =>
      (await store.loadControl(ref)) ??
      (ref.id === own.id && ref.queueName === own.queueName
        ? await store.loadControl(parent)
        : undefined),
  };
  return {
    ...host,
    store: seen,
    publishProgress: async (job, progress) => {
      await host.publishProgress(job, progress);
      await afterPublish((progress as { status?: unknown }).status);
    },
  };
}
