/** Parallel runs: the public names of src/parallel/ (see the parallel guide). */
export type { PartitionRunInfo } from '../control/run-partitions.js';
export type { PartitionsArgs, SplitPartitionArgs } from '../define-job.js';
export type { ParallelProgress, ParallelSummary } from './aggregate.js';
export { PartitionFailedError, PartitionPlanError, PartitionSplitError } from './errors.js';
export type { PartitionFailurePolicy } from './plan.js';
export { PARALLEL_DEFAULTS } from './plan.js';
