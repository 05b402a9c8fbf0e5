/**
 * Turns the `throttle` option into a frozen list of resolved conditions, once, at definition
 * time; the per-item path (`evaluate.ts`) then never re-checks anything. Also combines a worker's
 * default throttle with a job's own.
 */
import { IterationDefinitionError } from '../errors.js';
import { preview } from '../json.js';
import { defaultBackoff } from './backoff.js';
import type { BackoffFunction, ThrottleCheck, ThrottleOption } from './condition.js';
import type { HealthCheck } from './health/health-check.js';
import { isHealthCheck } from './health/health-check.js';
import type { ValueSite } from './validate.js';
import { conditionName, nonNegativeMs, positiveMs } from './validate.js';

/** A validated condition: exactly one of `check` and `healthCheck` is set. */
export interface ResolvedThrottleCondition<Params = unknown, Cursor = unknown> {
  readonly name: string;
  readonly check: ThrottleCheck<Params, Cursor> | undefined;
  readonly healthCheck: HealthCheck | undefined;
  /** Always a function; a constant `backoffMs` becomes one. */
  readonly backoff: BackoffFunction;
  /** Timeout of an asynchronous `check`; unused for health checks, which carry their own. */
  readonly timeoutMs: number;
}

/** The output of {@link resolveThrottle}: frozen, in evaluation order, names unique. */
export type ResolvedThrottle<
  Params = unknown,
  Cursor = unknown,
> = readonly ResolvedThrottleCondition<Params, Cursor>[];

/** Where the option was written, for error messages. */
export interface ResolveThrottleOptions {
  /** The job definition's name; omit for a worker's throttle. */
  readonly jobName?: string | undefined;
  /** Who holds the option when it is not a job: `IterationWorker for queue "mail"`. */
  readonly owner?: string | undefined;
  /** The option's name as the user wrote it. @defaultValue 'throttle' */
  readonly optionName?: string;
}

/**
 * Timeout of asynchronous check functions that do not set `timeoutMs`.
 *
 * @example
 * ```ts
 * { name: 'slow-flag', check: fetchFlag, timeoutMs: 2 * DEFAULT_CHECK_TIMEOUT_MS }
 * ```
 */
export const DEFAULT_CHECK_TIMEOUT_MS = 5_000;

/**
 * What an absent `throttle` option resolves to: no condition, so evaluation returns at once.
 *
 * @example
 * ```ts
 * resolveThrottle(undefined) === NO_THROTTLE; // true
 * ```
 */
export const NO_THROTTLE: ResolvedThrottle = Object.freeze([]);

const KEYS = new Set(['name', 'check', 'backoffMs', 'timeoutMs']);

/**
 * Validates a `throttle` option and resolves it for {@link evaluateThrottle}. Call it once, when
 * the job (or worker) is defined: every mistake becomes an `IterationDefinitionError` naming the
 * job, the option and the fix. `undefined` resolves to an empty list.
 *
 * A function `backoffMs` is called once with `1` here, so one that throws or returns a negative or
 * non-finite delay fails now rather than mid-run.
 *
 * @example
 * ```ts
 * const resolved = resolveThrottle(
 *   [replicaLag, { name: 'maintenance', check: () => maintenance.active, backoffMs: 60_000 }],
 *   { jobName: 'backfill-orders' },
 * );
 * resolved.map((c) => c.name); // ['postgres-replication-lag', 'maintenance']
 * ```
 */
export function resolveThrottle<Params, Cursor>(
  option: ThrottleOption<Params, Cursor> | undefined,
  where: ResolveThrottleOptions = {},
): ResolvedThrottle<Params, Cursor> {
  if (option === undefined) return NO_THROTTLE;
  const optionName = where.optionName ?? 'throttle';
  const holder =
    where.owner ?? (where.jobName === undefined ? undefined : `job "${where.jobName}"`);
  const prefix = holder === undefined ? `option ${optionName}` : `${holder} option ${optionName}`;
  const list = Array.isArray(option) ? (option as readonly unknown[]) : [option];
  if (list.length === 0) {
    throw new IterationDefinitionError(
      `${prefix}: a throttle without a condition. Pass at least one, such as ` +
        `{ name: 'replica-lag', check: replicaLag }, or leave the option out.`,
      where.jobName,
    );
  }
  const seen = new Set<string>();
  const resolved = list.map((entry, i) => {
    const path = Array.isArray(option) ? `${prefix}[${i}]` : prefix;
    const condition = resolveCondition<Params, Cursor>(entry, {
      where: path,
      jobName: where.jobName,
    });
    if (seen.has(condition.name)) {
      throw new IterationDefinitionError(
        `${path}: the name "${condition.name}" is used twice. Give each condition its own name: ` +
          `it identifies the condition in throttled events, logs and progress.`,
        where.jobName,
      );
    }
    seen.add(condition.name);
    return condition;
  });
  return Object.freeze(resolved);
}

/**
 * Combines a worker's default throttle with a job's own: the worker's conditions come first (they
 * usually are cached health checks, the cheapest to read), then the job's. A job condition with
 * the same name as a worker condition replaces it in place, so a job can give a shared condition
 * another backoff, or switch it off with a check that never holds.
 *
 * @example
 * ```ts
 * const worker = resolveThrottle(replicaLag, { owner: 'IterationWorker for queue "maintenance"' });
 * const job = resolveThrottle({ check: replicaLag, backoffMs: 60_000 }, { jobName: 'reindex' });
 * combineThrottles(worker, job); // one condition: replicaLag with a 60 s backoff
 * ```
 */
export function combineThrottles<Params, Cursor>(
  workerDefault: ResolvedThrottle,
  job: ResolvedThrottle<Params, Cursor>,
): ResolvedThrottle<Params, Cursor> {
  if (workerDefault.length === 0) return job;
  if (job.length === 0) return workerDefault;
  const own = new Map(job.map((c) => [c.name, c]));
  const combined: ResolvedThrottleCondition<Params, Cursor>[] = workerDefault.map((c) => {
    const replacement = own.get(c.name);
    own.delete(c.name);
    return replacement ?? c;
  });
  for (const c of job) if (own.has(c.name)) combined.push(c);
  return Object.freeze(combined);
}

/**
 * The distinct health checks a resolved throttle reads, for a worker to warm up at start.
 *
 * @example
 * ```ts
 * await Promise.all(throttleHealthChecks(resolved).map((check) => check.status()));
 * ```
 */
export function throttleHealthChecks(resolved: ResolvedThrottle): readonly HealthCheck[] {
  const checks = new Set<HealthCheck>();
  for (const c of resolved) if (c.healthCheck !== undefined) checks.add(c.healthCheck);
  return [...checks];
}

function resolveCondition<Params, Cursor>(
  entry: unknown,
  site: ValueSite,
): ResolvedThrottleCondition<Params, Cursor> {
  const fail = (message: string): never => {
    throw new IterationDefinitionError(`${site.where}: ${message}`, site.jobName);
  };
  if (isHealthCheck(entry)) {
    return Object.freeze({
      name: entry.name,
      check: undefined,
      healthCheck: entry,
      backoff: defaultBackoff,
      timeoutMs: entry.timeoutMs,
    });
  }
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    return fail(
      `expected a condition { name, check, backoffMs? } or a health check, got \`${preview(entry)}\`.`,
    );
  }
  for (const key of Object.keys(entry)) {
    if (!KEYS.has(key))
      fail(`unknown key "${key}". A condition takes name, check, backoffMs and timeoutMs.`);
  }
  const { name, check, backoffMs, timeoutMs } = entry as Partial<Record<string, unknown>>;
  if (check === undefined) {
    fail(
      `a throttle without a condition: set \`check\`, a function (ctx) => boolean | Promise<boolean> ` +
        `returning true to throttle, or a health check such as postgresReplicationLag({ query }).`,
    );
  }
  const backoff = resolveBackoff(backoffMs, {
    where: `${site.where}.backoffMs`,
    jobName: site.jobName,
  });
  if (isHealthCheck(check)) {
    if (timeoutMs !== undefined) {
      fail(
        'timeoutMs belongs to the health check here: pass it to the health-check builder instead.',
      );
    }
    return Object.freeze({
      name:
        name === undefined
          ? check.name
          : conditionName(name, { ...site, where: `${site.where}.name` }),
      check: undefined,
      healthCheck: check,
      backoff,
      timeoutMs: check.timeoutMs,
    });
  }
  if (typeof check !== 'function') {
    return fail(
      `expected \`check\` to be a function (ctx) => boolean | Promise<boolean> or a health check, ` +
        `got \`${preview(check)}\` (${typeof check}).`,
    );
  }
  return Object.freeze({
    name: conditionName(name, { ...site, where: `${site.where}.name` }),
    check: check as ThrottleCheck<Params, Cursor>,
    healthCheck: undefined,
    backoff,
    timeoutMs: positiveMs(timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS, {
      ...site,
      where: `${site.where}.timeoutMs`,
    }),
  });
}

function resolveBackoff(value: unknown, site: ValueSite): BackoffFunction {
  if (value === undefined) return defaultBackoff;
  if (typeof value === 'number') {
    const ms = nonNegativeMs(value, site);
    return () => ms;
  }
  if (typeof value !== 'function') {
    throw new IterationDefinitionError(
      `${site.where}: expected milliseconds (such as 30_000) or a function (consecutive) => ms ` +
        `such as exponentialBackoff(), got \`${preview(value)}\` (${typeof value}).`,
      site.jobName,
    );
  }
  const backoff = value as BackoffFunction;
  let first: unknown;
  try {
    first = backoff(1);
  } catch (error) {
    throw new IterationDefinitionError(
      `${site.where}: the backoff function threw when called with consecutive = 1 (${String(error)}). ` +
        `It must return a delay in milliseconds for any consecutive ≥ 1.`,
      site.jobName,
    );
  }
  nonNegativeMs(first, { ...site, where: `${site.where}(1)` });
  return backoff;
}
