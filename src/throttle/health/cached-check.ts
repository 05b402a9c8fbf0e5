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
import { positiveMs } from '../validate.js';
import type {
  HealthCheck,
  HealthCheckTiming,
  HealthProbe,
  HealthStatus,
  ProbeOutcome,
} from './health-check.js';
import { HEALTH_CHECK_DEFAULTS, healthCheckBrand, isThenable } from './health-check.js';

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

class ProbedHealthCheck implements HealthCheck {
  readonly [healthCheckBrand] = true as const;
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
