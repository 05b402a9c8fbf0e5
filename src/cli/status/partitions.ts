/**
 * `status --partitions`: a parallel run is one row (its aggregate bar) followed by one row per
 * partition, drawn by the same table and plain lines as runs. The JSON output needs nothing of
 * this: every parallel run's record carries its `partitions` list.
 */
import type { IterationRunInfo, RunStatus } from '../../control/status.js';
import type { PartitionRunInfo } from '../../parallel/index.js';
import { percentage } from '../../runtime/progress.js';
import type { Snapshot } from './view.js';

/** The prefix of a partition row's job column. */
export const PARTITION_MARK = '└ #';

/** The snapshot with each parallel run followed by its partitions' rows. */
export function withPartitionRows(snapshot: Snapshot): Snapshot {
  return {
    ...snapshot,
    runs: snapshot.runs.flatMap((run) => [
      run,
      ...(run.partitions ?? []).map((p) => partitionRow(run, p)),
    ]),
  };
}

/** Whether a row of the snapshot stands for a partition (not a run of its own). */
export function isPartitionRow(run: IterationRunInfo): boolean {
  return run.jobName.startsWith(PARTITION_MARK);
}

function partitionRow(run: IterationRunInfo, p: PartitionRunInfo<RunStatus>): IterationRunInfo {
  const done = p.status === 'completed';
  const { partitions: _partitions, ...rest } = run;
  return {
    ...rest,
    jobId: p.jobId || `${run.jobId}-p${p.index}`,
    jobName: `${PARTITION_MARK}${p.index}`,
    // `pending`: not added yet, held back by maxConcurrentPartitions.
    status: p.status as RunStatus,
    cursor: p.cursor,
    processed: p.processed,
    total: p.total,
    percentage: done ? 100 : p.total === undefined ? undefined : percentage(p.processed, p.total),
    itemsPerSecond: p.itemsPerSecond,
    etaMs:
      p.itemsPerSecond && p.total !== undefined
        ? Math.round((Math.max(0, p.total - p.processed) / p.itemsPerSecond) * 1000)
        : undefined,
    attemptsMade: p.attemptsMade,
    lastError: p.lastError,
    control: undefined,
    timesInterrupted: 0,
    timesThrottled: 0,
    transientFailures: 0,
  };
}
