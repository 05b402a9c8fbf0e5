// The status of a parallel run from its partitions': paused only once every partition is parked.
import { describe, expect, it } from 'vitest';

import { runStatus } from '../../../src/control/run-partitions.js';

const pause = { action: 'pause' as const, requestedAt: 1 };

describe('runStatus of a parallel run', () => {
  it('is pausing while a partition still waits for a worker (it parks itself when taken)', () => {
    expect(runStatus('waiting', pause, ['paused', 'paused', 'waiting', 'waiting'])).toBe('pausing');
    expect(runStatus('waiting', pause, ['paused', 'running'])).toBe('pausing');
    expect(runStatus('waiting', pause, ['paused', 'stale'])).toBe('pausing');
  });

  it('is paused once every partition is parked or finished', () => {
    expect(runStatus('waiting', pause, ['paused', 'completed', 'paused'])).toBe('paused');
  });

  it('without a request, follows its partitions', () => {
    expect(runStatus('waiting', undefined, ['waiting', 'running'])).toBe('running');
    expect(runStatus('completed', undefined, ['completed'])).toBe('completed');
  });
});
