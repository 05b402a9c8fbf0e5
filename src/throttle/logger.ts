/**
 * The logging surface of throttling: the three levels it uses, typed structurally so a pino logger
 * (or any child of one) fits without this module importing pino.
 */

/**
 * What throttling logs through. A pino `Logger` satisfies it.
 *
 * @example
 * ```ts
 * import pino from 'pino';
 * const logger: ThrottleLogger = pino({ name: 'iteration' });
 * ```
 */
export interface ThrottleLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** One-line text of whatever was thrown, for `reason` strings and log messages. */
export function describeThrown(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
