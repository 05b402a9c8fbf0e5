// A page of runs as the runs table receives it, for renderer tests.
import type { RunList } from '../../../src/dashboard/runs.js';
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
