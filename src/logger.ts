/** The default logger: pino to stdout, level from `LOG_LEVEL` (default `info`). */
import { type Logger, pino } from 'pino';

let shared: Logger | undefined;

export function defaultLogger(): Logger {
  shared ??= pino({ name: 'bullmq-iteration', level: process.env.LOG_LEVEL ?? 'info' });
  return shared;
}
