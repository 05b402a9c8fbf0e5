// Shared fixtures of the throttle unit tests: a recording logger and a context with a stand-in job.
import type { Job } from 'bullmq';
import { vi } from 'vitest';

import type { ThrottleCheckContext, ThrottleLogger } from '../../../src/throttle/index.js';

export function recordingLogger() {
  return { info: vi.fn(), warn: vi.fn(), error: vi.fn() } satisfies ThrottleLogger;
}

export function context<P, C>(params: P, cursor: C | null = null): ThrottleCheckContext<P, C> {
  return { params, cursor, job: { id: '1', name: 'test-job' } as unknown as Job<P> };
}

/** A promise with its resolve function, for probes and checks the test settles by hand. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
