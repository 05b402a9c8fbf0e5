/**
 * The cached, shared health check: one probe per interval however many jobs and items ask, read
 * synchronously on the per-item path, with a timeout so a hung probe counts as unhealthy.
 *
 * Caching model (stale-while-revalidate): a verdict is served as it is for `intervalMs`; after that
 * the first read starts one probe in the background and keeps serving the previous verdict until
 * the probe settles (it settles within `timeoutMs`, as unhealthy if it has to). A verdict older than
 * `2 × intervalMs + timeoutMs` — nobody asked for a while — is too old to act on: readers then wait
 * for the probe instead. A probe that is still running after its timeout is never started twice:
 * while it hangs, each interval yields an unhealthy verdict at once instead of a second probe that
 * would pile onto the struggling server.
 */
import type { ThrottleLogger } from '../logger.js';
import { describeThrown } from '../logger.js';
import { aFunction, conditionName, positiveMs } from '../validate.js';

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
 * const replicaLag = postgresReplicationLag({ query: pgPoolQuery(pool), maxLagMs: 10_000 });
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

/** Options of {@link healthCheck}. */
export interface HealthCheckOptions extends HealthCheckTiming {
  /** Shown in `throttled` events and logs, such as `"search-cluster"`. */
  readonly name: string;
  /** Reads the resource; `true` (or `{ healthy: true }`) means healthy. */
  readonly probe: HealthProbe;
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

/**
 * Builds a probed check after validating its timing. For the built-in builders; `onClose` releases
 * what the probe holds (an event-loop monitor).
 */
export function createHealthCheck(
  name: string,
  probe: HealthProbe,
  timing: HealthCheckTiming,
  builder: string,
  onClose?: () => void,
): HealthCheck {
  const intervalMs = positiveMs(timing.intervalMs ?? HEALTH_CHECK_DEFAULTS.intervalMs, {
    where: `${builder} option intervalMs`,
  });
  const timeoutMs = positiveMs(timing.timeoutMs ?? HEALTH_CHECK_DEFAULTS.timeoutMs, {
    where: `${builder} option timeoutMs`,
  });
  return new ProbedHealthCheck(name, probe, intervalMs, timeoutMs, timing.logger, onClose);
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

class ProbedHealthCheck implements HealthCheck {
  readonly [HEALTH_CHECK] = true as const;
  readonly #probe: HealthProbe;
  readonly #logger: ThrottleLogger | undefined;
  readonly #onClose: (() => void) | undefined;
  /** Beyond this age a verdict is not acted on: see the caching model in the file header. */
  readonly #maxAgeMs: number;
  #status: HealthStatus | undefined;
  /**
   * Age of the verdict as two flags that timers flip, so a read is a field load: reading a clock
   * costs about 100 ns on common VMs, more than everything else on the per-item path together.
   */
  #stale = true;
  #expired = true;
  #ageTimer: ReturnType<typeof setTimeout> | undefined;
  /** What readers await while a probe runs; cleared when it settles or times out. */
  #inFlight: Promise<HealthStatus> | undefined;
  #settleInFlight: ((status: HealthStatus) => void) | undefined;
  #timeoutTimer: ReturnType<typeof setTimeout> | undefined;
  #controller: AbortController | undefined;
  /** Start time of a probe whose promise has not settled yet, even after it timed out. */
  #pendingSince: number | undefined;
  #closed = false;

  constructor(
    readonly name: string,
    probe: HealthProbe,
    readonly intervalMs: number,
    readonly timeoutMs: number,
    logger: ThrottleLogger | undefined,
    onClose: (() => void) | undefined,
  ) {
    this.#probe = probe;
    this.#logger = logger;
    this.#onClose = onClose;
    this.#maxAgeMs = 2 * intervalMs + timeoutMs;
  }

  peek(): HealthStatus | undefined {
    const status = this.#status;
    if (!this.#stale || this.#closed) return status;
    this.#start();
    if (this.#status !== status) return this.#status; // a synchronous probe settles inline
    return this.#expired ? undefined : status;
  }

  status(): Promise<HealthStatus> {
    const status = this.peek();
    if (status !== undefined) return Promise.resolve(status);
    return this.#inFlight ?? Promise.resolve(this.#closedStatus());
  }

  refresh(): Promise<HealthStatus> {
    if (this.#closed) return Promise.resolve(this.#closedStatus());
    const before = this.#status;
    this.#start();
    if (this.#inFlight !== undefined) return this.#inFlight;
    return Promise.resolve(this.#status ?? before ?? this.#closedStatus());
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#controller?.abort(new Error(`health check "${this.name}" closed`));
    this.#finish(this.#status ?? this.#closedStatus());
    clearTimeout(this.#ageTimer);
    this.#onClose?.();
  }

  #closedStatus(): HealthStatus {
    return { healthy: false, detail: 'health check closed', checkedAt: Date.now() };
  }

  #start(): void {
    if (this.#inFlight !== undefined || this.#closed) return;
    if (this.#pendingSince !== undefined) {
      const runningMs = Date.now() - this.#pendingSince;
      this.#fail(`the previous probe is still running after ${runningMs} ms`, undefined);
      return;
    }
    const controller = new AbortController();
    let outcome: ProbeOutcome | Promise<ProbeOutcome>;
    try {
      outcome = this.#probe(controller.signal);
    } catch (error) {
      this.#fail(`probe threw ${describeThrown(error)}`, error);
      return;
    }
    if (!isThenable(outcome)) {
      this.#accept(outcome);
      return;
    }
    this.#controller = controller;
    this.#pendingSince = Date.now();
    this.#inFlight = new Promise<HealthStatus>((resolve) => {
      this.#settleInFlight = resolve;
    });
    // Unref'd: a pending probe must not keep a worker process alive after everything else closed.
    this.#timeoutTimer = setTimeout(() => {
      controller.abort(new Error(`health check "${this.name}" timed out`));
      this.#fail(`probe timed out after ${this.timeoutMs} ms`, undefined);
    }, this.timeoutMs);
    this.#timeoutTimer.unref?.();
    const inFlight = this.#inFlight;
    Promise.resolve(outcome).then(
      (value) => {
        this.#probeSettled(controller);
        if (this.#inFlight === inFlight) this.#accept(value);
      },
      (error: unknown) => {
        this.#probeSettled(controller);
        if (this.#inFlight === inFlight)
          this.#fail(`probe failed: ${describeThrown(error)}`, error);
      },
    );
  }

  /** A fresh verdict: stale after `intervalMs`, too old to act on after `#maxAgeMs`. */
  #age(): void {
    clearTimeout(this.#ageTimer);
    if (this.#closed) return;
    this.#stale = false;
    this.#expired = false;
    // Unref'd, like every timer here: a cache must not keep a finished process alive.
    this.#ageTimer = setTimeout(() => {
      this.#stale = true;
      this.#ageTimer = setTimeout(() => {
        this.#expired = true;
      }, this.#maxAgeMs - this.intervalMs);
      this.#ageTimer.unref?.();
    }, this.intervalMs);
    this.#ageTimer.unref?.();
  }

  #probeSettled(controller: AbortController): void {
    if (this.#controller === controller) {
      this.#controller = undefined;
      this.#pendingSince = undefined;
    }
  }

  #accept(outcome: unknown): void {
    let healthy: unknown = outcome;
    let detail: unknown = undefined;
    if (typeof outcome === 'object' && outcome !== null) {
      healthy = (outcome as { healthy?: unknown }).healthy;
      detail = (outcome as { detail?: unknown }).detail;
    }
    if (typeof healthy !== 'boolean') {
      this.#fail(
        `probe returned ${describeOutcome(outcome)}; return true/false or { healthy, detail }`,
        undefined,
      );
      return;
    }
    const text =
      typeof detail === 'string' && detail !== '' ? detail : healthy ? 'healthy' : 'unhealthy';
    const previous = this.#status;
    this.#finish({ healthy, detail: text, checkedAt: Date.now() });
    if (previous?.healthy !== healthy && (previous !== undefined || !healthy)) {
      const fields = { healthCheck: this.name, detail: text };
      if (healthy) this.#logger?.info(fields, 'health check recovered');
      else this.#logger?.warn(fields, 'health check unhealthy: throttling the jobs that use it');
    }
  }

  #fail(detail: string, error: unknown): void {
    this.#finish({ healthy: false, detail, checkedAt: Date.now() });
    const fields: Record<string, unknown> = { healthCheck: this.name, detail };
    if (error !== undefined) fields['err'] = error;
    this.#logger?.warn(fields, 'health check probe failed: counting as unhealthy');
  }

  #finish(status: HealthStatus): void {
    this.#status = status;
    clearTimeout(this.#timeoutTimer);
    this.#timeoutTimer = undefined;
    this.#age();
    const settle = this.#settleInFlight;
    this.#inFlight = undefined;
    this.#settleInFlight = undefined;
    settle?.(status);
  }
}

function describeOutcome(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object without a boolean `healthy`';
  return typeof value === 'string' ? `the string "${value}"` : `${typeof value} ${String(value)}`;
}
