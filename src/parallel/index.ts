/** Parallel runs: the public names of src/parallel/ (see the parallel guide). */
export type { PartitionRunInfo } from '../control/run-partitions.js';
export type { PartitionsArgs } from '../define-job.js';
export type { ParallelProgress, ParallelSummary } from './aggregate.js';
export { PartitionFailedError, PartitionPlanError } from './errors.js';
export type { PartitionFailurePolicy } from './plan.js';
export { PARALLEL_DEFAULTS } from './plan.js';
