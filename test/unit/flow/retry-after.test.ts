// RetryAfter without a server: the delay from a number, a Date and an HTTP Retry-After header
// (seconds or a date), the fallback when the header is missing or unusable, and bad input.
import { describe, expect, it } from 'vitest';

import { RetryAfter } from '../../../src/index.js';
import { parseRetryAfter } from '../../../src/retry-after.js';

describe('RetryAfter', () => {
  it('parks until now + delay, or until a Date', () => {
    const before = Date.now();
    const error = new RetryAfter(2_000, { reason: 'quota' });
    expect(error.until).toBeGreaterThanOrEqual(before + 2_000);
    expect(error.until).toBeLessThanOrEqual(Date.now() + 2_000);
    expect(error).toMatchObject({ name: 'RetryAfter', reason: 'quota', scope: 'partition' });
    const at = new Date(Date.now() + 60_000);
    expect(new RetryAfter(at, { scope: 'run' })).toMatchObject({
      until: at.getTime(),
      scope: 'run',
    });
    // A date in the past means now.
    expect(new RetryAfter(new Date(0)).until).toBeGreaterThanOrEqual(before);
  });

  it('reads Retry-After in seconds or as an HTTP date, from a Response or a headers object', () => {
    const now = Date.parse('2026-12-07T12:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Mon, 07 Dec 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    const response = new Response(null, { status: 429, headers: { 'Retry-After': '5' } });
    const fromResponse = RetryAfter.fromResponse(response, { reason: 'HTTP 429' });
    expect(fromResponse.until - Date.now()).toBeGreaterThan(4_000);
    expect(fromResponse.reason).toBe('HTTP 429');
    const fromObject = RetryAfter.fromResponse({ 'retry-after': '7' });
    expect(fromObject.until - Date.now()).toBeGreaterThan(6_000);
  });

  it('falls back to a delay when the header is missing, and refuses bad values', () => {
    const fallback = RetryAfter.fromResponse(new Response(null, { status: 503 }), {
      fallbackMs: 10_000,
    });
    expect(fallback.until - Date.now()).toBeGreaterThan(9_000);
    expect(() => new RetryAfter(-1)).toThrow(/delay in milliseconds ≥ 0 or a Date, got -1/);
    expect(() => new RetryAfter(Number.NaN)).toThrow(TypeError);
    expect(() => new RetryAfter(new Date('nope'))).toThrow(/valid Date/);
    expect(() => new RetryAfter(1, { scope: 'queue' as never })).toThrow(/'partition' or 'run'/);
  });
});
