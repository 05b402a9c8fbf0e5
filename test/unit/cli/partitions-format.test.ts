// `status --partitions`: a parallel run keeps its aggregate row and is followed by one row per
// partition, in the table, the plain lines and the detail of one run.
import { describe, expect, it } from 'vitest';

import { isPartitionRow, withPartitionRows } from '../../../src/cli/status/partitions.js';
import { plainLines, terminalLines } from '../../../src/cli/status/view.js';
import type { IterationRunInfo } from '../../../src/index.js';
import { run } from './runs.js';

const parallel: IterationRunInfo = run({
  jobId: '7',
  jobName: 'backfill',
  processed: 150,
  total: undefined,
  percentage: 37.5,
  partitions: [
    {
      index: 0,
      jobId: '7-p0',
      partition: { from: 0, to: 100 },
      status: 'completed',
      processed: 100,
      total: 100,
      cursor: 99,
      itemsPerSecond: undefined,
      attemptsMade: 1,
      lastError: undefined,
    },
    {
      index: 1,
      jobId: '7-p1',
      partition: { from: 100, to: 200 },
      status: 'running',
      processed: 50,
      total: 100,
      cursor: 149,
      itemsPerSecond: 25,
      attemptsMade: 0,
      lastError: undefined,
    },
    {
      index: 2,
      jobId: '',
      partition: { from: 200, to: 300 },
      status: 'pending',
      processed: 0,
      total: undefined,
      cursor: null,
      itemsPerSecond: undefined,
      attemptsMade: 0,
      lastError: undefined,
    },
  ],
});

describe('status --partitions', () => {
  it('follows a parallel run with one row per partition, leaving other runs alone', () => {
    const snapshot = withPartitionRows({ runs: [parallel, run({ jobId: '8' })], single: false });
    expect(snapshot.runs.map((r) => r.jobId)).toEqual(['7', '7-p0', '7-p1', '7-p2', '8']);
    expect(snapshot.runs.map(isPartitionRow)).toEqual([false, true, true, true, false]);
    const lines = plainLines(snapshot);
    expect(lines[0]).toMatch(
      /^id=7 job=backfill status=running processed=150 total=- percent=37.5/,
    );
    expect(lines[1]).toMatch(
      /^id=7-p0 job="└ #0" status=completed processed=100 total=100 percent=100/,
    );
    expect(lines[2]).toMatch(
      /^id=7-p1 job="└ #1" status=running processed=50 total=100 percent=50 rate=25 eta_ms=2000/,
    );
    expect(lines[3]).toMatch(/^id=7-p2 job="└ #2" status=pending processed=0 total=- percent=-/);
  });

  it('puts the partitions in a table under the detail of one run', () => {
    const lines = terminalLines(withPartitionRows({ runs: [parallel], single: true }), 100, false);
    const table = lines.slice(lines.indexOf('') + 1);
    expect(lines[0]).toContain('backfill  #7');
    const header = lines.findIndex((l) => l.startsWith('ID'));
    expect(header).toBeGreaterThan(0);
    expect(lines.slice(header + 1).map((l) => l.split(/\s+/)[0])).toEqual(['7-p0', '7-p1', '7-p2']);
    expect(table.length).toBeGreaterThan(0);
  });
});
