/**
 * The `logger` option of workers: a pino logger of the application's, `false` for none at all,
 * or a level (`'warn'`) for the library's own logger at that level. Without it, the library's
 * logger writes to stdout at `LOG_LEVEL` (or `info`).
 */
import { type Level, type Logger, pino } from 'pino';

import { IterationDefinitionError } from './errors.js';
import { defaultLogger } from './logger.js';

/** A level of the library's own logger, `'silent'` included. */
export type LoggerLevel = Level | 'silent';

/** What `logger` takes. */
export type LoggerOption = Logger | false | LoggerLevel;

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/**
 * The logger `option` asks for; `fallback` when it is absent.
 *
 * @example
 * ```ts
 * resolveLogger(false); // logs nothing
 * resolveLogger('warn'); // the library's logger, warnings and errors only
 * ```
 */
export function resolveLogger(
  option: LoggerOption | undefined,
  fallback: () => Logger = defaultLogger,
): Logger {
  if (option === undefined) return fallback();
  if (option === false) return pino({ level: 'silent' });
  if (typeof option === 'string' && LEVELS.has(option)) {
    return pino({ name: 'bullmq-iteration', level: option });
  }
  if (typeof option === 'object' && option !== null && typeof option.child === 'function') {
    return option;
  }
  throw new IterationDefinitionError(
    `Expected \`logger\` to be a pino logger, false (no logs), or a level such as 'warn', ` +
      `got ${typeof option === 'string' ? `'${option}'` : String(option)}.`,
  );
}
