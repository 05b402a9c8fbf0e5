/**
 * Backoff between throttles. Exponential so a long incident costs few wake-ups, capped so a job
 * notices recovery within minutes, and jittered so the jobs a single incident throttled together
 * do not all come back in the same instant and knock the resource over again.
 */
import type { BackoffFunction } from './condition.js';
import { nonNegativeMs, numberIn, positiveMs } from './validate.js';

/** Options of {@link exponentialBackoff}. */
export interface ExponentialBackoffOptions {
  /** Delay of the first throttle in a row. @defaultValue 5_000 */
  readonly baseMs?: number;
  /** Growth per throttle in a row. @defaultValue 2 */
  readonly factor?: number;
  /** Cap on the delay, jitter included. @defaultValue 300_000 (5 min) */
  readonly maxMs?: number;
  /**
   * Share of the delay taken off at random: `0.2` gives a delay between 80 % and 100 % of the
   * exponential value, so the cap is never exceeded. `0` disables jitter.
   * @defaultValue 0.2
   */
  readonly jitter?: number;
  /** Source of randomness in [0, 1), for tests. @defaultValue Math.random */
  readonly random?: () => number;
}

/**
 * Defaults of {@link exponentialBackoff}.
 *
 * @example
 * ```ts
 * exponentialBackoff({ ...EXPONENTIAL_BACKOFF_DEFAULTS, maxMs: 60_000 });
 * ```
 */
export const EXPONENTIAL_BACKOFF_DEFAULTS = {
  baseMs: 5_000,
  factor: 2,
  maxMs: 300_000,
  jitter: 0.2,
} as const satisfies ExponentialBackoffOptions;

/**
 * `min(baseMs × factor^(consecutive − 1), maxMs) × (1 − jitter × random())`, in whole milliseconds.
 *
 * @example
 * ```ts
 * const backoffMs = exponentialBackoff({ baseMs: 1_000, maxMs: 60_000, jitter: 0.1 });
 * backoffMs(1); // 900..1000
 * backoffMs(4); // 7200..8000
 * backoffMs(20); // 54000..60000
 * ```
 */
export function exponentialBackoff(options: ExponentialBackoffOptions = {}): BackoffFunction {
  const where = (key: string) => ({ where: `exponentialBackoff() option ${key}` });
  const baseMs = nonNegativeMs(
    options.baseMs ?? EXPONENTIAL_BACKOFF_DEFAULTS.baseMs,
    where('baseMs'),
  );
  const factor = numberIn(
    options.factor ?? EXPONENTIAL_BACKOFF_DEFAULTS.factor,
    1,
    1_000,
    where('factor'),
  );
  const maxMs = positiveMs(options.maxMs ?? EXPONENTIAL_BACKOFF_DEFAULTS.maxMs, where('maxMs'));
  const jitter = numberIn(
    options.jitter ?? EXPONENTIAL_BACKOFF_DEFAULTS.jitter,
    0,
    1,
    where('jitter'),
  );
  const random = options.random ?? Math.random;
  return (consecutive) => {
    const n = Number.isFinite(consecutive) && consecutive >= 1 ? consecutive : 1;
    // Overflow to Infinity on long streaks is harmless: the cap takes over.
    const capped = Math.min(baseMs * factor ** (n - 1), maxMs);
    return Math.round(capped * (1 - jitter * Math.min(Math.max(random(), 0), 1)));
  };
}

/**
 * The backoff of conditions that do not set `backoffMs`: 5 s doubling up to 5 min, minus up to
 * 20 % jitter.
 *
 * @example
 * ```ts
 * defaultBackoff(3); // 16000..20000
 * ```
 */
export const defaultBackoff: BackoffFunction = exponentialBackoff();
