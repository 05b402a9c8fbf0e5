/**
 * The worker process's own event-loop delay (`perf_hooks.monitorEventLoopDelay`). A saturated
 * loop delays lock renewals and every other job of the worker; backing off the iteration jobs
 * gives the loop room before locks start to expire.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

import { formatDuration } from '../duration.js';
import { conditionName, numberIn, positiveMs } from '../validate.js';
import { createHealthCheck } from './cached-check.js';
import type { HealthCheck, HealthCheckTiming, HealthVerdict } from './health-check.js';

/** Options of {@link eventLoopDelay}. */
export interface EventLoopDelayOptions extends HealthCheckTiming {
  /** Unhealthy when the chosen percentile of the delay exceeds this. @defaultValue 100 */
  readonly maxDelayMs?: number;
  /** Which percentile of the delays sampled since the previous probe to compare. @defaultValue 99 */
  readonly percentile?: number;
  /** Sampling period of the monitor. @defaultValue 10 */
  readonly resolutionMs?: number;
  /**
   * Shortest time between probes, which is also the window each reading covers.
   * @defaultValue 1_000
   */
  readonly intervalMs?: number;
  /** @defaultValue 'event-loop-delay' */
  readonly name?: string;
}

/**
 * Throttles while this process's event loop lags. The monitor starts when the check is built and
 * stops at `close()`; it does not keep the process alive.
 *
 * @example
 * ```ts
 * const loop = eventLoopDelay({ maxDelayMs: 200 });
 * const worker = new IterationWorker('maintenance', jobs, { connection, throttle: loop });
 * ```
 */
export function eventLoopDelay(options: EventLoopDelayOptions = {}): HealthCheck {
  const where = (key: string) => ({ where: `eventLoopDelay() option ${key}` });
  const name = conditionName(options.name ?? 'event-loop-delay', where('name'));
  const maxDelayMs = positiveMs(options.maxDelayMs ?? 100, where('maxDelayMs'));
  const percentile = numberIn(options.percentile ?? 99, 1, 100, where('percentile'));
  const resolutionMs = positiveMs(options.resolutionMs ?? 10, where('resolutionMs'));
  const histogram = monitorEventLoopDelay({ resolution: Math.max(1, Math.round(resolutionMs)) });
  histogram.enable();
  const probe = () => {
    // Each reading covers the window since the previous one, so an old spike does not linger.
    const delayMs = histogram.count === 0 ? null : histogram.percentile(percentile) / 1e6;
    histogram.reset();
    return decideEventLoopDelay({ delayMs }, { maxDelayMs, percentile });
  };
  return createHealthCheck(
    name,
    probe,
    { ...options, intervalMs: options.intervalMs ?? 1_000 },
    'eventLoopDelay()',
    () => histogram.disable(),
  );
}

/**
 * The verdict on a delay reading (`null`: no sample yet).
 *
 * @example
 * ```ts
 * decideEventLoopDelay({ delayMs: 250 }, { maxDelayMs: 100, percentile: 99 });
 * // { healthy: false, detail: 'event-loop delay p99 250 ms (limit 100 ms)' }
 * ```
 */
export function decideEventLoopDelay(
  reading: { readonly delayMs: number | null },
  limits: { readonly maxDelayMs: number; readonly percentile: number },
): HealthVerdict {
  if (reading.delayMs === null) return { healthy: true, detail: 'event-loop delay: no sample yet' };
  return {
    healthy: reading.delayMs <= limits.maxDelayMs,
    detail:
      `event-loop delay p${limits.percentile} ${formatDuration(reading.delayMs)} ` +
      `(limit ${formatDuration(limits.maxDelayMs)})`,
  };
}
