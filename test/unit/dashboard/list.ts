// A page of runs as the runs table receives it, for renderer tests.
import type { RunDetail, RunList } from '../../../src/dashboard/runs.js';
import type { IterationRunInfo } from '../../../src/index.js';

export function runList(runs: IterationRunInfo[], fields: Partial<RunList> = {}): RunList {
  return {
    runs,
    total: runs.length,
    page: 1,
    pages: 1,
    limit: 50,
    statuses: [],
    names: [],
    queues: ['maintenance'],
    counts: new Map(),
    ...fields,
  };
}

/** A run's page data with nothing but the run: no params, times, logs or skipped items. */
export function runDetail(run: IterationRunInfo): RunDetail {
  return {
    run,
    params: undefined,
    enqueuedAt: undefined,
    startedAt: undefined,
    finishedAt: undefined,
    logs: [],
    logCount: 0,
    skippedItems: [],
    recordedFailures: 0,
  };
}
