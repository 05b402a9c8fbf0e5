/**
 * The per-item throttle decision. The runtime calls it before fetching each next item or batch,
 * so the common case — nothing throttled, checks synchronous or cached — returns `undefined`
 * synchronously without allocating; a promise appears only when a check is asynchronous or a
 * health check has no usable verdict yet. It never throws: a check that throws, hangs or returns a
 * non-boolean counts as "throttle now" (see the guide for why) and is logged.
 */
import { defaultBackoff } from './backoff.js';
import type { ThrottleCheckContext } from './condition.js';
import type { HealthStatus } from './health/health-check.js';
import { isThenable } from './health/health-check.js';
import type { ThrottleLogger } from './logger.js';
import { describeThrown } from './logger.js';
import type { ResolvedThrottle, ResolvedThrottleCondition } from './resolve.js';
import { throttleHealthChecks } from './resolve.js';

/** The verdict when a condition holds: requeue the job `delayMs` from now. */
export interface ThrottleDecision {
  /** Name of the condition that held (the first one, in order). */
  readonly condition: string;
  /** Whole milliseconds to wait, from the condition's backoff. */
  readonly delayMs: number;
  /** Throttles in a row including this one: what the backoff was given. */
  readonly consecutive: number;
  /** What the check saw, for events and logs: `replication lag 12 s (limit 10 s)`. */
  readonly reason: string;
}

/** What {@link evaluateThrottle} returns: a promise only when some check had to be awaited. */
export type ThrottleEvaluation =
  ThrottleDecision | undefined | Promise<ThrottleDecision | undefined>;

/** Optional context of {@link evaluateThrottle}; pass one object created once per job run. */
export interface EvaluateThrottleOptions {
  /** Receives failing checks (error level). @defaultValue none */
  readonly logger?: ThrottleLogger | undefined;
  /** Added to log lines. */
  readonly jobName?: string | undefined;
}

/** Throttle reason, or `undefined` to go on. */
type Verdict = string | undefined;

/**
 * Decides whether to throttle before the next item or batch: `undefined` to go on, or the first
 * condition that holds with its delay. `consecutive` is the job's current streak of throttles
 * (`ThrottleStats.consecutive`: 0 when the last check passed); the backoff receives
 * `consecutive + 1`.
 *
 * The result is a promise only when a check had to be awaited, so test it before awaiting:
 *
 * @example
 * ```ts
 * let decision = evaluateThrottle(resolved, { params, cursor, job }, stats.consecutive, { logger });
 * if (decision instanceof Promise) decision = await decision;
 * if (decision !== undefined) {
 *   // checkpoint, then requeue the job decision.delayMs from now
 * }
 * ```
 */
export function evaluateThrottle<Params, Cursor>(
  resolved: ResolvedThrottle<Params, Cursor>,
  ctx: ThrottleCheckContext<Params, Cursor>,
  consecutive: number,
  options?: EvaluateThrottleOptions,
): ThrottleEvaluation {
  for (let i = 0; i < resolved.length; i++) {
    const condition = resolved[i]!;
    const verdict = checkNow(condition, ctx, options);
    if (verdict === undefined) continue;
    if (typeof verdict !== 'string')
      return finishAsync(resolved, i, verdict, ctx, consecutive, options);
    return decide(condition, verdict, consecutive, options);
  }
  return undefined;
}

/**
 * Reads every health check of a resolved throttle once, so the first items of the first jobs find
 * a cached verdict. Never rejects; resolves when every first probe has settled (each within its
 * `timeoutMs`).
 *
 * @example
 * ```ts
 * await warmUpThrottle(combineThrottles(workerDefault, job.throttle));
 * ```
 */
export async function warmUpThrottle(resolved: ResolvedThrottle): Promise<void> {
  await Promise.all(throttleHealthChecks(resolved).map((check) => check.status()));
}

function checkNow<Params, Cursor>(
  condition: ResolvedThrottleCondition<Params, Cursor>,
  ctx: ThrottleCheckContext<Params, Cursor>,
  options: EvaluateThrottleOptions | undefined,
): Verdict | Promise<Verdict> {
  const health = condition.healthCheck;
  if (health !== undefined) {
    // The built-in checks never throw; the guard is for hand-made objects of the public interface.
    try {
      const status = health.peek();
      if (status !== undefined) return status.healthy ? undefined : status.detail;
      return health
        .status()
        .then(healthVerdict, (error: unknown) => healthFailed(condition, error, options));
    } catch (error) {
      return healthFailed(condition, error, options);
    }
  }
  let result: unknown;
  try {
    result = condition.check!(ctx);
  } catch (error) {
    return checkFailed(condition, `check threw ${describeThrown(error)}`, error, options);
  }
  if (result === false) return undefined;
  if (result === true) return 'check returned true';
  // Any thenable, not only native promises: a check may come from a library with its own.
  if (isThenable(result)) return awaitCheck(condition, Promise.resolve(result), options);
  return nonBoolean(condition, result, options);
}

function healthVerdict(status: HealthStatus): Verdict {
  return status.healthy ? undefined : status.detail;
}

function healthFailed(
  condition: ResolvedThrottleCondition<never, never>,
  error: unknown,
  options: EvaluateThrottleOptions | undefined,
): string {
  return checkFailed(condition, `health check failed: ${describeThrown(error)}`, error, options);
}

async function finishAsync<Params, Cursor>(
  resolved: ResolvedThrottle<Params, Cursor>,
  index: number,
  pending: Promise<Verdict>,
  ctx: ThrottleCheckContext<Params, Cursor>,
  consecutive: number,
  options: EvaluateThrottleOptions | undefined,
): Promise<ThrottleDecision | undefined> {
  // Conditions stay in order even when one is asynchronous: a later one never runs before an
  // earlier one has passed, so an expensive check behind a cheap one is skipped when throttled.
  let verdict = await pending;
  for (let i = index; ;) {
    if (verdict !== undefined) return decide(resolved[i]!, verdict, consecutive, options);
    if (++i >= resolved.length) return undefined;
    const next = checkNow(resolved[i]!, ctx, options);
    verdict = typeof next === 'object' ? await next : next;
  }
}

function awaitCheck(
  condition: ResolvedThrottleCondition<never, never>,
  pending: Promise<unknown>,
  options: EvaluateThrottleOptions | undefined,
): Promise<Verdict> {
  return new Promise<Verdict>((resolve) => {
    // Unref'd: a check left hanging must not hold a closing worker's process open.
    const timer = setTimeout(() => {
      resolve(
        checkFailed(
          condition,
          `check did not settle within ${condition.timeoutMs} ms`,
          undefined,
          options,
        ),
      );
    }, condition.timeoutMs);
    timer.unref?.();
    pending.then(
      (value) => {
        clearTimeout(timer);
        if (value === false) resolve(undefined);
        else if (value === true) resolve('check returned true');
        else resolve(nonBoolean(condition, value, options));
      },
      (error: unknown) => {
        clearTimeout(timer);
        resolve(
          checkFailed(condition, `check rejected with ${describeThrown(error)}`, error, options),
        );
      },
    );
  });
}

function nonBoolean(
  condition: ResolvedThrottleCondition<never, never>,
  value: unknown,
  options: EvaluateThrottleOptions | undefined,
): string {
  const shown = typeof value === 'string' ? `"${value}"` : String(value);
  return checkFailed(
    condition,
    `check returned ${shown} (${typeof value}), not a boolean: return true to throttle, false to go on`,
    undefined,
    options,
  );
}

function checkFailed(
  condition: ResolvedThrottleCondition<never, never>,
  reason: string,
  error: unknown,
  options: EvaluateThrottleOptions | undefined,
): string {
  const fields: Record<string, unknown> = {
    jobName: options?.jobName,
    condition: condition.name,
    reason,
  };
  if (error !== undefined) fields['err'] = error;
  options?.logger?.error(fields, 'throttle check failed: throttling as if it held');
  return reason;
}

function decide(
  condition: ResolvedThrottleCondition<never, never>,
  reason: string,
  consecutive: number,
  options: EvaluateThrottleOptions | undefined,
): ThrottleDecision {
  const streak = (Number.isInteger(consecutive) && consecutive > 0 ? consecutive : 0) + 1;
  let delayMs: unknown;
  try {
    delayMs = condition.backoff(streak);
  } catch (error) {
    delayMs = error;
  }
  if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0) {
    // The backoff was sound for consecutive = 1 at definition time; a later value is not. Falling
    // back keeps the job throttled (the condition does hold) instead of failing or spinning.
    options?.logger?.error(
      {
        jobName: options.jobName,
        condition: condition.name,
        consecutive: streak,
        backoff: String(delayMs),
      },
      'throttle backoff returned no usable delay: using the default exponential backoff',
    );
    delayMs = defaultBackoff(streak);
  }
  return {
    condition: condition.name,
    delayMs: Math.round(delayMs as number),
    consecutive: streak,
    reason,
  };
}
