/**
 * The figures of a parallel run, summed over its partitions: what the parent's progress (and so
 * bull-board's ring), `getRun` and the parent's return value show. Pure functions over what each
 * partition published, so every process computes the same aggregate from the same partitions.
 */
import type { IterationSummary } from '../runtime/ledger.js';
import type { IterationProgress } from '../runtime/progress.js';
import { percentage } from '../runtime/progress.js';

/** What one partition contributes; `undefined` for a partition not added yet (pending). */
export interface PartitionFigures {
  readonly processed: number;
  readonly total: number | undefined;
  /** True once the partition's job has finished (completed, cancelled or failed for good). */
  readonly finished: boolean;
  readonly itemsPerSecond: number | undefined;
  readonly timesInterrupted: number;
  readonly timesThrottled: number;
  readonly throttledMs: number;
  readonly skipped: number;
  readonly totalTimeMs: number;
}

export interface RunFigures {
  readonly processed: number;
  /** Summed when every partition knows its total; else undefined. */
  readonly total: number | undefined;
  /**
   * Percent done: processed over total when every total is known; otherwise the mean of the
   * partitions' own fractions (pending partitions count 0, finished ones 1), an estimate that is
   * exact for partitions of equal size.
   */
  readonly percentage: number;
  readonly itemsPerSecond: number | undefined;
  readonly etaMs: number | undefined;
  readonly timesInterrupted: number;
  readonly timesThrottled: number;
  readonly throttledMs: number;
  readonly skipped: number;
  readonly totalTimeMs: number;
  readonly finished: number;
  readonly count: number;
}

export function sumFigures(partitions: readonly (PartitionFigures | undefined)[]): RunFigures {
  let processed = 0;
  let total: number | undefined = 0;
  let rate: number | undefined;
  let fractions = 0;
  let finished = 0;
  const sums = {
    timesInterrupted: 0,
    timesThrottled: 0,
    throttledMs: 0,
    skipped: 0,
    totalTimeMs: 0,
  };
  for (const p of partitions) {
    if (p === undefined) {
      total = undefined;
      continue;
    }
    processed += p.processed;
    total = total === undefined || p.total === undefined ? undefined : total + p.total;
    if (p.finished) finished++;
    if (!p.finished && p.itemsPerSecond !== undefined) rate = (rate ?? 0) + p.itemsPerSecond;
    fractions += p.finished ? 1 : p.total ? Math.min(1, p.processed / p.total) : 0;
    for (const key of Object.keys(sums) as (keyof typeof sums)[]) sums[key] += p[key];
  }
  const count = partitions.length;
  const done =
    total !== undefined
      ? percentage(processed, total)
      : Math.min(99.99, Math.floor((fractions / Math.max(1, count)) * 10_000) / 100);
  return {
    processed,
    total,
    percentage: done,
    itemsPerSecond: rate === undefined ? undefined : Math.round(rate * 100) / 100,
    etaMs:
      rate !== undefined && rate > 0 && total !== undefined
        ? Math.round((Math.max(0, total - processed) / rate) * 1000)
        : undefined,
    ...sums,
    finished,
    count,
  };
}

/** A partition's figures from its published progress (and whether its job has finished). */
export function figuresOfProgress(
  progress: Partial<IterationProgress> | undefined,
  finished: boolean,
): PartitionFigures {
  return {
    processed: progress?.processed ?? 0,
    total: progress?.total,
    finished,
    itemsPerSecond: progress?.status === 'running' ? progress.itemsPerSecond : undefined,
    timesInterrupted: progress?.timesInterrupted ?? 0,
    timesThrottled: progress?.timesThrottled ?? 0,
    throttledMs: progress?.throttledMs ?? 0,
    skipped: progress?.skipped ?? 0,
    totalTimeMs: progress?.totalTimeMs ?? 0,
  };
}

/** What the parent of a parallel run publishes as its progress: the aggregate, plus counts. */
export interface ParallelProgress extends IterationProgress {
  readonly partitions: {
    readonly count: number;
    readonly finished: number;
  };
}

export function parallelProgress(
  figures: RunFigures,
  status: IterationProgress['status'],
): ParallelProgress {
  return {
    progress: status === 'completed' ? 100 : figures.percentage,
    processed: figures.processed,
    ...(figures.total === undefined ? {} : { total: figures.total }),
    cursor: null,
    timesInterrupted: figures.timesInterrupted,
    timesThrottled: figures.timesThrottled,
    throttledMs: Math.round(figures.throttledMs),
    ...(figures.skipped > 0 ? { skipped: figures.skipped } : {}),
    totalTimeMs: Math.round(figures.totalTimeMs),
    ...(status === 'running' && figures.itemsPerSecond !== undefined
      ? { itemsPerSecond: figures.itemsPerSecond }
      : {}),
    ...(status === 'running' && figures.etaMs !== undefined ? { etaMs: figures.etaMs } : {}),
    status,
    updatedAt: Date.now(),
    partitions: { count: figures.count, finished: figures.finished },
  };
}

/** What the parent of a parallel run returns: the run's summary, summed over its partitions. */
export interface ParallelSummary extends IterationSummary {
  /** How many partitions the run had. */
  readonly partitions: number;
}

export function parallelSummary(
  figures: RunFigures,
  outcome: IterationSummary['outcome'],
  children: readonly (Partial<IterationSummary> | undefined)[],
): ParallelSummary {
  return {
    outcome,
    processed: figures.processed,
    timesInterrupted: figures.timesInterrupted,
    timesThrottled: figures.timesThrottled,
    throttledMs: Math.round(figures.throttledMs),
    totalTimeMs: Math.round(figures.totalTimeMs),
    cursor: null,
    ...(figures.skipped > 0 ? { skipped: figures.skipped } : {}),
    stoppedEarly: children.some((c) => c?.stoppedEarly === true),
    partitions: figures.count,
  };
}

/** A finished partition's figures from its return value (more exact than its last progress). */
export function figuresOfSummary(
  summary: Partial<IterationSummary>,
  total: number | undefined,
): PartitionFigures {
  return {
    processed: summary.processed ?? 0,
    // A completed partition is its whole collection; a cancelled one keeps the total it knew.
    total: summary.outcome === 'completed' ? (summary.processed ?? 0) : total,
    finished: true,
    itemsPerSecond: undefined,
    timesInterrupted: summary.timesInterrupted ?? 0,
    timesThrottled: summary.timesThrottled ?? 0,
    throttledMs: summary.throttledMs ?? 0,
    skipped: summary.skipped ?? 0,
    totalTimeMs: summary.totalTimeMs ?? 0,
  };
}
