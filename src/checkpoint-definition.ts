/**
 * The checkpoint options of a job definition: how a run's cursor becomes durable in the queue's
 * store (see docs/how-it-works.md). Each overrides the worker's option of the same name.
 */
import type { CheckpointMode } from './options.js';

/** Part of `IterationJobDefinition`: when the cursor is written. */
export interface CheckpointDefinition {
  /**
   * `coalesced` (default): the cursor is saved in the background after every item, at most one
   * write in flight, the newest cursor wins; a crash redoes at most the items finished during the
   * last write. `strict`: each item waits for its checkpoint to be durable before the next starts;
   * a crash redoes at most the item in flight. Overrides the worker's `checkpointMode`.
   */
  readonly checkpointMode?: CheckpointMode;
  /**
   * Minimum time between two background checkpoint writes of this job in coalesced mode (0: one as
   * soon as the last returned). Unset, the writes follow the store's pace: spaced by its latency
   * and the run's partitions, within `maxCheckpointLagItems` and `maxCheckpointLagMs` (see
   * docs/how-it-works.md). Overrides the worker's `checkpointIntervalMs`. @defaultValue the store's pace
   */
  readonly checkpointIntervalMs?: number;
}
