/** `healthCheck()`: any function of yours as a cached, shared health check. */
import { aFunction, conditionName } from '../validate.js';
import { createHealthCheck } from './cached-check.js';
import type { HealthCheck, HealthCheckTiming, HealthProbe } from './health-check.js';

/** Options of {@link healthCheck}. */
export interface HealthCheckOptions extends HealthCheckTiming {
  /** Shown in `throttled` events and logs, such as `"search-cluster"`. */
  readonly name: string;
  /** Reads the resource; `true` (or `{ healthy: true }`) means healthy. */
  readonly probe: HealthProbe;
}

/**
 * A health check around any function of yours, cached and shared like the built-in ones.
 *
 * @example
 * ```ts
 * const search = healthCheck({
 *   name: 'search-cluster',
 *   intervalMs: 10_000,
 *   probe: async (signal) => {
 *     const res = await fetch('http://search:9200/_cluster/health', { signal });
 *     const { status } = (await res.json()) as { status: string };
 *     return { healthy: status !== 'red', detail: `cluster ${status}` };
 *   },
 * });
 * ```
 */
export function healthCheck(options: HealthCheckOptions): HealthCheck {
  const where = 'healthCheck()';
  const probe = aFunction<HealthProbe>(options?.probe, '(signal) => boolean | Promise<boolean>', {
    where: `${where} option probe`,
  });
  return createHealthCheck(
    conditionName(options.name, { where: `${where} option name` }),
    probe,
    options,
    where,
  );
}
