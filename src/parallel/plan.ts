/**
 * The parallel options of a definition (`partitions`, `maxConcurrentPartitions`,
 * `onPartitionFailure`, `splitPartition`, `rebalance`), validated once at definition time, and the plan `partitions()` returns,
 * validated once when the run starts, before any partition is added.
 */
import { IterationDefinitionError } from '../errors.js';
import type { JsonValue } from '../json.js';
import { describeNonJson, preview } from '../json.js';
import { adaptiveOf } from './adaptive.js';
import { PartitionPlanError } from './errors.js';

/**
 * What a parallel run does when one of its partitions exhausts its attempts (the run fails
 * either way):
 * - `finish-others`: the other partitions run to their end (pending ones are still started), so
 *   the work they do is done; the run fails once they are all finished.
 * - `cancel-others`: the other partitions are cancelled at once (they stop at their next item
 *   boundary, cursors kept) and pending ones are never started; the run fails then.
 */
export type PartitionFailurePolicy = 'finish-others' | 'cancel-others';

export const PARALLEL_DEFAULTS = {
  onPartitionFailure: 'finish-others',
} as const satisfies { onPartitionFailure: PartitionFailurePolicy };

const POLICIES: readonly PartitionFailurePolicy[] = ['finish-others', 'cancel-others'];

const EXAMPLE = `Example:
  defineIterationJob({
    name: 'backfill',
    partitions: () => [{ from: 0, to: 5000 }, { from: 5000, to: 10000 }],
    buildEnumerator: ({ partition, cursor }) => range({ ...partition, cursor }),
    async eachIteration(id) { await backfill(id); },
  });`;

/** Throws on the first mistake in the parallel options of a definition. */
export function validateParallelOptions(d: Record<string, unknown>, name: string): void {
  if (d.partitions !== undefined && typeof d.partitions !== 'function') {
    throw new IterationDefinitionError(
      `Iteration job "${name}": \`partitions\` must be a function returning an array of JSON ` +
        `values (one per partition), got ${preview(d.partitions)}. ${EXAMPLE}`,
      name,
    );
  }
  if (d.partitions !== undefined && d.maxItems !== undefined) {
    // A refusal with a reason (docs/guides/composition.md): a budget over one job's life.
    throw new IterationDefinitionError(
      `Iteration job "${name}" has \`maxItems\` with \`partitions\`: \`maxItems\` is a budget over ` +
        "one job's life, and each partition of a parallel run is a job of its own, so the run " +
        'would do up to maxItems in each partition, not in all. Plan the partitions over the ' +
        'first N items instead (e.g. rangePartitions({ to: N, count: 8 })), or try the job ' +
        'without `partitions`.',
      name,
    );
  }
  const max = d.maxConcurrentPartitions;
  if (max !== undefined && (typeof max !== 'number' || !Number.isSafeInteger(max) || max < 1)) {
    throw new IterationDefinitionError(
      `Iteration job "${name}": expected \`maxConcurrentPartitions\` to be a positive integer, ` +
        `got \`${preview(max)}\` (${typeof max}). E.g. maxConcurrentPartitions: 8`,
      name,
    );
  }
  const policy = d.onPartitionFailure;
  if (policy !== undefined && !POLICIES.includes(policy as PartitionFailurePolicy)) {
    throw new IterationDefinitionError(
      `Iteration job "${name}": expected \`onPartitionFailure\` to be one of ` +
        `${POLICIES.map((p) => `'${p}'`).join(', ')}, got \`${preview(policy)}\`.`,
      name,
    );
  }
  if (d.splitPartition !== undefined && typeof d.splitPartition !== 'function') {
    throw new IterationDefinitionError(
      `Iteration job "${name}": \`splitPartition\` must be a function returning ` +
        `[shrunk, added] (or undefined), got ${preview(d.splitPartition)}. E.g. ` +
        'splitPartition: ({ partition, cursor }) => splitRange(partition, cursor)',
      name,
    );
  }
  if (d.rebalance !== undefined && typeof d.rebalance !== 'boolean') {
    throw new IterationDefinitionError(
      `Iteration job "${name}": expected \`rebalance\` to be true or false, got ` +
        `\`${preview(d.rebalance)}\` (${typeof d.rebalance}).`,
      name,
    );
  }
  if (d.rebalance === true && d.splitPartition === undefined) {
    throw new IterationDefinitionError(
      `Iteration job "${name}": \`rebalance: true\` needs \`splitPartition\`, which says ` +
        'where a partition can be cut. E.g. splitPartition: ({ partition, cursor }) => ' +
        'splitRange(partition, cursor)',
      name,
    );
  }
  adaptiveOf(d as { name: string; adaptiveConcurrency?: unknown });
  const options = [
    'adaptiveConcurrency',
    'maxConcurrentPartitions',
    'onPartitionFailure',
    'splitPartition',
    'rebalance',
  ] as const;
  for (const option of options) {
    if (d[option] !== undefined && d.partitions === undefined) {
      throw new IterationDefinitionError(
        `Iteration job "${name}": \`${option}\` only applies to a parallel job; add ` +
          `\`partitions\` or remove \`${option}\`. ${EXAMPLE}`,
        name,
      );
    }
  }
}

/** The plan, checked: a non-empty array of JSON values; anything else names the job and the fix. */
export function validatePlan(plan: unknown, jobName: string, label: string): JsonValue[] {
  const fix =
    'Return an array with one JSON value per partition (numbers, strings, plain objects), ' +
    'e.g. [{ from: 0, to: 5000 }, { from: 5000, to: 10000 }], or use a planner such as rangePartitions.';
  if (!Array.isArray(plan)) {
    throw new PartitionPlanError(
      `${label}: partitions() returned ${preview(plan)}, not an array. ${fix}`,
      { jobName, plan },
    );
  }
  if (plan.length === 0) {
    throw new PartitionPlanError(
      `${label}: partitions() returned an empty array: a parallel run needs one partition at least. ${fix}`,
      { jobName, plan },
    );
  }
  const bad = describeNonJson(plan, 'partitions');
  if (bad !== undefined) {
    throw new PartitionPlanError(
      `${label}: partitions() returned a value that is not JSON data (${bad}); partitions are ` +
        `stored with the run. ${fix}`,
      { jobName, plan },
    );
  }
  return plan as JsonValue[];
}
