/**
 * When checkpoint writes keep failing: the writer retries a write that failed transiently with the
 * newest state, 100 ms doubling to 2 s apart, for its retry window; past it, the writer fails with
 * a {@link CheckpointUnavailableError}, which the run answers by requeueing itself (an outage).
 */
import { TransientError } from '../errors.js';
import { describeError } from './transient.js';

/** The store kept failing with transient errors for the whole retry window. */
export class CheckpointUnavailableError extends TransientError {
  override readonly name = 'CheckpointUnavailableError';
}

/** Delay before the n-th retry of a failed write: 100 ms doubling, at most 2 s. */
export const retryDelayMs = (attempt: number) => Math.min(100 * 2 ** (attempt - 1), 2_000);

export function unavailable(cause: unknown, windowMs: number): CheckpointUnavailableError {
  return new CheckpointUnavailableError(
    `checkpoint writes kept failing for ${Math.round(windowMs / 1000)} s: ${describeError(cause)}`,
    { cause },
  );
}
