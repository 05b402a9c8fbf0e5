/**
 * Every network wait of the CLI goes through `withDeadline`: BullMQ's clients retry a lost server
 * forever (that is what a worker wants), so a command that must answer a person would otherwise
 * hang on a server that went away after the connection check.
 */
import { CliError, ExitCode } from './exit-codes.js';

/**
 * Resolves like `work`, or rejects with an "unreachable" error (exit code 3) after `ms`.
 *
 * @example
 * ```ts
 * const runs = await withDeadline(listRuns(queue), 10_000, 'Redis at redis://cache:6379');
 * ```
 */
export async function withDeadline<T>(
  work: Promise<T>,
  ms: number,
  where: string,
  lastError?: () => string | undefined,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const last = lastError?.();
      reject(
        new CliError(
          `No answer from ${where} within ${ms} ms${last ? ` (last error: ${last})` : ''}. ` +
            'Check that the server is up and reachable, or raise --timeout.',
          ExitCode.unreachable,
        ),
      );
    }, ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits for `work` at most `ms`, then gives up quietly: for closing things on the way out. */
export async function settleWithin(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    work.catch(() => undefined),
    new Promise((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
