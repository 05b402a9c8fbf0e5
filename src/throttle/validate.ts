/**
 * Definition-time checks shared by the throttle option and the health-check builders. Each throws
 * an `IterationDefinitionError` whose message names where the value came from, the value itself and
 * what would be accepted, so the fix is in the message.
 */
import { IterationDefinitionError } from '../errors.js';
import { preview } from '../json.js';

/** Where a value came from: `job "nightly" option throttle[0].backoffMs`, `redisMemory({ maxShare })`. */
export interface ValueSite {
  readonly where: string;
  readonly jobName?: string | undefined;
}

function fail(site: ValueSite, expected: string, value: unknown): never {
  throw new IterationDefinitionError(
    // preview() goes through JSON, which would show Infinity and NaN as null.
    `${site.where}: expected ${expected}, got \`${typeof value === 'number' ? String(value) : preview(value)}\` (${typeof value}).`,
    site.jobName,
  );
}

/** A finite number ≥ 0 (a delay or a duration that may be zero). */
export function nonNegativeMs(value: unknown, site: ValueSite): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    fail(site, 'a finite number of milliseconds ≥ 0, such as 30_000', value);
  }
  return value;
}

/** A finite number > 0 (an interval or a timeout). */
export function positiveMs(value: unknown, site: ValueSite): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    fail(site, 'a finite number of milliseconds > 0, such as 5_000', value);
  }
  return value;
}

/** A share strictly between 0 and 1 inclusive of 1 (`0.9` = 90 %). */
export function share(value: unknown, site: ValueSite): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 1) {
    fail(site, 'a share in (0, 1], such as 0.9 for 90 %', value);
  }
  return value;
}

/** A finite number within `[min, max]`. */
export function numberIn(value: unknown, min: number, max: number, site: ValueSite): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    fail(site, `a number from ${min} to ${max}`, value);
  }
  return value;
}

/** A non-empty string without surrounding blanks: names show up in events, logs and progress. */
export function conditionName(value: unknown, site: ValueSite): string {
  if (typeof value !== 'string' || value.trim() === '' || value.trim() !== value) {
    fail(site, 'a non-empty name without surrounding spaces, such as "replica-lag"', value);
  }
  return value;
}

/** A function, with the expected shape spelled out in the message. */
export function aFunction<F>(value: unknown, shape: string, site: ValueSite): F {
  if (typeof value !== 'function') fail(site, `a function ${shape}`, value);
  return value as F;
}
