/**
 * `RetryAfter`: what a step throws when the resource it calls says "not now, come back later" (an
 * API's 429 or 503 with a `Retry-After` header, a quota window, a maintenance slot). The run parks
 * at the item it stopped on until then: no attempt counted, no item redone, the item itself run
 * once more when the run resumes. In a parallel run it parks that partition, or the whole run with
 * `scope: 'run'`.
 */

/** What parks: the partition (or single run) that threw, or every partition of its run. */
export type RetryAfterScope = 'partition' | 'run';

export interface RetryAfterOptions {
  /** Why, shown in status and logs (`rate limited by the billing API`). */
  readonly reason?: string;
  /** In a parallel run, `'run'` parks every partition, not only this one. @defaultValue 'partition' */
  readonly scope?: RetryAfterScope;
}

/** Delay used by `fromResponse` when the response has no usable `Retry-After`. */
export const RETRY_AFTER_FALLBACK_MS = 30_000;

/** Longest a `RetryAfter` parks a run (a day): a larger value is a bug, not a plan. */
const MAX_DELAY_MS = 24 * 60 * 60 * 1000;

/**
 * Thrown by `eachIteration` to park the run until a time: `new RetryAfter(2_000)` or
 * `new RetryAfter(new Date('2026-12-08T00:00:00Z'))`.
 *
 * @example
 * ```ts
 * async eachIteration(user, ctx) {
 *   const response = await fetch(`https://api.example.com/users/${user.id}`, { signal: ctx.signal });
 *   if (response.status === 429) throw RetryAfter.fromResponse(response, { reason: 'API quota' });
 *   await save(await response.json());
 * }
 * ```
 */
export class RetryAfter extends Error {
  override readonly name = 'RetryAfter';
  /** When the run may go on (epoch ms). */
  readonly until: number;
  readonly reason: string | undefined;
  readonly scope: RetryAfterScope;

  constructor(delay: number | Date, options: RetryAfterOptions = {}) {
    const until = untilOf(delay);
    const reason = options.reason;
    super(
      `retry after ${new Date(until).toISOString()}${reason === undefined ? '' : ` (${reason})`}`,
    );
    this.until = until;
    this.reason = reason;
    const scope = options.scope ?? 'partition';
    if (scope !== 'partition' && scope !== 'run') {
      throw new TypeError(
        `RetryAfter: expected \`scope\` to be 'partition' or 'run', got ${JSON.stringify(scope)}.`,
      );
    }
    this.scope = scope;
  }

  /**
   * From an HTTP response (a fetch `Response`, or anything with `headers`), or from its headers
   * alone: `Retry-After` in seconds (`120`) or as an HTTP date. Without a usable header, waits
   * `fallbackMs` (30 s by default).
   */
  static fromResponse(
    response: { readonly headers: HeadersLike } | HeadersLike,
    options: RetryAfterOptions & { readonly fallbackMs?: number } = {},
  ): RetryAfter {
    const headers =
      'headers' in response && isHeaders(response.headers) ? response.headers : response;
    const value = headerValue(headers as HeadersLike, 'retry-after');
    const { fallbackMs = RETRY_AFTER_FALLBACK_MS, ...rest } = options;
    return new RetryAfter(parseRetryAfter(value, Date.now()) ?? fallbackMs, rest);
  }
}

/** A fetch `Headers`, a plain object of headers (Node's `IncomingHttpHeaders`), or a Map. */
export type HeadersLike =
  | { get(name: string): string | null | undefined }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

/** Milliseconds to wait from `now` for a `Retry-After` value, or undefined when unusable. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, MAX_DELAY_MS);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.min(Math.max(0, at - now), MAX_DELAY_MS);
}

function untilOf(delay: number | Date): number {
  const now = Date.now();
  if (delay instanceof Date) {
    const at = delay.getTime();
    if (Number.isNaN(at))
      throw new TypeError('RetryAfter: expected a valid Date, got Invalid Date.');
    return Math.min(Math.max(at, now), now + MAX_DELAY_MS);
  }
  if (typeof delay !== 'number' || !Number.isFinite(delay) || delay < 0) {
    throw new TypeError(
      `RetryAfter: expected a delay in milliseconds ≥ 0 or a Date, got ${String(delay)} (${typeof delay}).`,
    );
  }
  return now + Math.min(delay, MAX_DELAY_MS);
}

function isHeaders(value: unknown): boolean {
  return typeof value === 'object' && value !== null;
}

function headerValue(headers: HeadersLike, name: string): string | undefined {
  const get = (headers as { get?: unknown }).get;
  if (typeof get === 'function') {
    const value = (get as (n: string) => string | null | undefined).call(headers, name);
    return value ?? undefined;
  }
  for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
    if (key.toLowerCase() !== name) continue;
    if (typeof value === 'string') return value;
    if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  }
  return undefined;
}

/** True for a `RetryAfter`, by class or by name (another copy of the library threw it). */
export function isRetryAfter(error: unknown): error is RetryAfter {
  return (
    error instanceof RetryAfter ||
    ((error as { name?: unknown } | null)?.name === 'RetryAfter' &&
      typeof (error as { until?: unknown }).until === 'number')
  );
}
