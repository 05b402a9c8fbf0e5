/**
 * The errors of parallel runs. The first two extend BullMQ's `UnrecoverableError`: a plan that is not an
 * array of JSON values stays broken on a retry, and a run whose partition failed for good is
 * failed, not retried, so its other partitions are not run again.
 */
import { UnrecoverableError } from 'bullmq';

/** `partitions()` returned something that is not an array of JSON values. */
export class PartitionPlanError extends UnrecoverableError {
  override readonly name = 'PartitionPlanError';
  readonly jobName: string;
  /** What `partitions()` returned (or the offending element). */
  readonly plan: unknown;

  constructor(message: string, options: { jobName: string; plan: unknown }) {
    super(message);
    this.jobName = options.jobName;
    this.plan = options.plan;
  }
}

/** One partition or more of a parallel run exhausted their attempts: the run (parent) fails. */
export class PartitionFailedError extends UnrecoverableError {
  override readonly name = 'PartitionFailedError';
  readonly jobName: string;
  /** The failed partitions: index, child job id and BullMQ's failure reason. */
  readonly failed: readonly { index: number; jobId: string; reason: string }[];

  constructor(
    message: string,
    options: {
      jobName: string;
      failed: readonly { index: number; jobId: string; reason: string }[];
    },
  ) {
    super(message);
    this.jobName = options.jobName;
    this.failed = options.failed;
  }
}

/**
 * `splitPartition` returned something other than `[shrunk, added]` or `undefined`. A bug of the
 * job, so it fails the partition's attempt like an error of `eachIteration` (retried per
 * `attempts`); nothing was split.
 */
export class PartitionSplitError extends Error {
  override readonly name = 'PartitionSplitError';
  readonly jobName: string;
  /** What `splitPartition` returned. */
  readonly proposal: unknown;

  constructor(message: string, options: { jobName: string; proposal: unknown }) {
    super(message);
    this.jobName = options.jobName;
    this.proposal = options.proposal;
  }
}
