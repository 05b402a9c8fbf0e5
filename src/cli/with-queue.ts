/**
 * The frame of a short command: open the backend, hand a queue to the work under a deadline, and
 * close everything whatever happened, without letting a dead server hold the process open.
 */
import type { CliBackend, CliQueue } from './cli-backend.js';
import { settleWithin, withDeadline } from './deadline.js';
import type { CliIo } from './io.js';
import { line } from './io.js';
import type { Target } from './target.js';
import { describeTarget } from './target.js';

/** How long closing may take on the way out before the process leaves anyway. */
export const CLOSE_WITHIN_MS = 5_000;

/**
 * @example
 * ```ts
 * const run = await withQueue(target, io, 'pause', (queue) => pauseRun(queue, id));
 * ```
 */
export async function withQueue<T>(
  target: Target,
  io: CliIo,
  command: string,
  work: (queue: CliQueue, backend: CliBackend) => Promise<T>,
): Promise<T> {
  if (target.verbose) line(io.stderr, describeTarget(target));
  const { openBackend } = await import('./open-backend.js');
  const backend = await openBackend(target.source, {
    role: 'command',
    command,
    timeoutMs: target.timeoutMs,
    notice: (message) => line(io.stderr, message),
  });
  const queue = backend.queue(target.queueName);
  try {
    return await withDeadline(
      work(queue, backend),
      target.timeoutMs,
      backend.description,
      backend.lastError,
    );
  } finally {
    await settleWithin(queue.close(), CLOSE_WITHIN_MS);
    await settleWithin(backend.release(), CLOSE_WITHIN_MS);
  }
}
