/**
 * The health-check contract: what a check is, what it answers, and the timing options every
 * builder shares. The caching implementation is in `cached-check.ts`.
 */
import type { ThrottleLogger } from '../logger.js';

/** Marks health checks across copies of this package, where `instanceof` would fail. */
const HEALTH_CHECK = Symbol.for('bullmq-iteration.health-check');

/** A verdict of a health check. */
export interface HealthStatus {
  /** `false` means "throttle now". */
  readonly healthy: boolean;
  /** What was read, for logs and `throttled` events: `replication lag 12.4 s (limit 10 s)`. */
  readonly detail: string;
  /** `Date.now()` when the verdict was reached. */
  readonly checkedAt: number;
}

/** What the built-in decision functions return: a verdict and what it was based on. */
export interface HealthVerdict {
  readonly healthy: boolean;
  readonly detail: string;
}

/** What a probe may return: `true` for healthy, or a verdict with a detail for the logs. */
export type ProbeOutcome = boolean | { readonly healthy: boolean; readonly detail?: string };

/**
 * Reads the health of a resource. Receives a signal that aborts when the probe times out or the
 * check is closed; pass it on to whatever supports cancellation.
 */
export type HealthProbe = (signal: AbortSignal) => ProbeOutcome | Promise<ProbeOutcome>;

/**
 * A cached, shared health check. Create each one once (at module level, next to the pool or client
 * it probes) and reference it from as many job definitions and workers as you like: the cache lives
 * in the object, so sharing the object shares the probe.
 *
 * @example
 * ```ts
 * const replicaLag = postgresReplicationLag({ query: pgQuery(pool), maxLagMs: 10_000 });
 * replicaLag.peek(); // undefined until the first probe settles, then the cached verdict
 * await replicaLag.status(); // { healthy: true, detail: 'replication lag 0 ms (limit 10 s)', … }
 * replicaLag.close();
 * ```
 */
export interface HealthCheck {
  readonly [HEALTH_CHECK]: true;
  /** Shown in `throttled` events and logs. */
  readonly name: string;
  /** At most one probe starts per interval. */
  readonly intervalMs: number;
  /** A probe still pending after this long counts as unhealthy. */
  readonly timeoutMs: number;
  /**
   * The cached verdict, synchronously, or `undefined` when there is none recent enough to act on
   * (then await {@link HealthCheck.status}). Starts a background probe when the verdict is stale.
   * Never throws.
   */
  peek(): HealthStatus | undefined;
  /** The cached verdict when usable, else the one the current probe reaches. Never rejects. */
  status(): Promise<HealthStatus>;
  /** Probes now, ignoring the cache (joins a probe already in flight). Never rejects. */
  refresh(): Promise<HealthStatus>;
  /** Stops probing and releases timers and monitors. Reads then return the last verdict. */
  close(): void;
}

/** Timing and logging options shared by every health-check builder. */
export interface HealthCheckTiming {
  /**
   * Shortest time between two probes. Also bounds how stale a verdict may be.
   * @defaultValue 5_000
   */
  readonly intervalMs?: number;
  /**
   * A probe still pending after this long counts as unhealthy (and is abandoned, not restarted).
   * @defaultValue 2_000
   */
  readonly timeoutMs?: number;
  /** Receives probe failures (warn) and changes of verdict (warn / info). @defaultValue none */
  readonly logger?: ThrottleLogger | undefined;
}

/**
 * Defaults of {@link HealthCheckTiming}.
 *
 * @example
 * ```ts
 * healthCheck({ name: 'flag', probe, intervalMs: 2 * HEALTH_CHECK_DEFAULTS.intervalMs });
 * ```
 */
export const HEALTH_CHECK_DEFAULTS = { intervalMs: 5_000, timeoutMs: 2_000 } as const;

/**
 * True for the objects that {@link healthCheck} and the built-in builders return, whichever copy
 * of this package built them.
 *
 * @example
 * ```ts
 * isHealthCheck(eventLoopDelay()); // true
 * isHealthCheck(() => true); // false
 * ```
 */
export function isHealthCheck(value: unknown): value is HealthCheck {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Partial<HealthCheck>)[HEALTH_CHECK] === true
  );
}

/** The brand for other implementations in this folder (the combinators). */
export const healthCheckBrand: typeof HEALTH_CHECK = HEALTH_CHECK;

/** A promise of any library, not only native ones. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
