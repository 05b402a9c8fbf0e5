// Run records for the formatting tests.
import type { IterationRunInfo } from '../../../src/control/status.js';

export function run(fields: Partial<IterationRunInfo> = {}): IterationRunInfo {
  return {
    queueName: 'maintenance',
    jobId: '42',
    jobName: 'score-accounts',
    status: 'running',
    bullState: 'active',
    cursor: { id: '26150' },
    processed: 26_150,
    step: undefined,
    total: 50_000,
    percentage: 52.3,
    itemsPerSecond: 3_120.46,
    etaMs: 7_650,
    timesInterrupted: 1,
    timesThrottled: 0,
    throttledMs: 0,
    skipped: 0,
    totalTimeMs: 8_400,
    attemptsMade: 0,
    lastError: undefined,
    control: undefined,
    updatedAt: 1_700_000_000_000,
    staleReason: undefined,
    statusReason: undefined,
    transientFailures: 0,
    transientMs: 0,
    unknownSince: undefined,
    restart: undefined,
    tags: undefined,
    audit: [],
    ...fields,
  };
}
