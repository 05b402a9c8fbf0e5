// Who may do what: options that leave controls unauthorized are refused at creation; control
// requests need the bearer token (or the authorize hook's consent) and pass the CSRF checks.
import type { IncomingMessage } from 'node:http';

import { describe, expect, it } from 'vitest';

import { authorizeRequest, generateToken, sameSecret } from '../../../src/dashboard/auth.js';
import { checkCsrf } from '../../../src/dashboard/csrf.js';
import { resolveDashboardOptions } from '../../../src/dashboard/options.js';

const TOKEN = 'a-token-of-24-characters';
const CSRF = 'the-csrf-token-of-this-handler';

function req(headers: Record<string, string>): IncomingMessage {
  return { headers } as unknown as IncomingMessage;
}

const sameSite = {
  host: '127.0.0.1:4000',
  origin: 'http://127.0.0.1:4000',
  'sec-fetch-site': 'same-origin',
  'content-type': 'application/json',
  'x-csrf-token': CSRF,
};

describe('dashboard options', () => {
  it('refuses controls with no way to authorize them, and short tokens, naming the fix', () => {
    expect(() => resolveDashboardOptions({}, 'maintenance')).toThrow(
      /queue "maintenance" has controls but no way to authorize them: give `token`.*`authorize`.*`readOnly: true`/,
    );
    expect(() => resolveDashboardOptions({ token: 'short-secret' }, 'q')).toThrow(
      /`token` to be a string of at least 16 characters, got a string of 12 characters/,
    );
    expect(() => resolveDashboardOptions({ readOnly: true, refreshMs: 50 }, 'q')).toThrow(
      /`refreshMs`.*≥ 200, got `50`/,
    );
    expect(() => resolveDashboardOptions({ readOnly: true, basePath: 'ops' }, 'q')).toThrow(
      /`basePath` to be '' or a path starting with "\/"/,
    );
    expect(resolveDashboardOptions({ readOnly: true, basePath: '/ops/' }, 'q')).toMatchObject({
      basePath: '/ops',
      refreshMs: 1_000,
      limit: 50,
      readOnly: true,
    });
  });

  it('never repeats the token in an error message', () => {
    const secret = 'tooshort-secret';
    expect(() => resolveDashboardOptions({ token: secret }, 'q')).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(secret) }),
    );
  });
});

describe('dashboard authorization', () => {
  const options = { token: TOKEN, authorize: undefined, readOnly: false };

  it('lets anyone read, and asks control requests for the bearer token', async () => {
    expect(await authorizeRequest(req({}), 'read', options)).toEqual({ ok: true });
    expect(await authorizeRequest(req({}), 'control', options)).toMatchObject({
      ok: false,
      status: 401,
    });
    const wrong = await authorizeRequest(req({ authorization: 'Bearer nope' }), 'control', options);
    expect(wrong).toMatchObject({
      ok: false,
      status: 401,
      message: 'The access token is not valid.',
    });
    expect(
      await authorizeRequest(req({ authorization: `Bearer ${TOKEN}` }), 'control', options),
    ).toEqual({ ok: true });
    // Basic auth or a token elsewhere is not the token.
    expect(
      await authorizeRequest(req({ authorization: `Basic ${TOKEN}` }), 'control', options),
    ).toMatchObject({ ok: false, status: 401 });
  });

  it('refuses every control in read-only mode, token or not', async () => {
    const verdict = await authorizeRequest(req({ authorization: `Bearer ${TOKEN}` }), 'control', {
      ...options,
      readOnly: true,
    });
    expect(verdict).toMatchObject({ ok: false, status: 403, message: /read-only/ });
  });

  it('lets the authorize hook decide reads and controls instead of the token', async () => {
    const seen: string[] = [];
    const authorize = (r: IncomingMessage, access: 'read' | 'control') => {
      seen.push(access);
      return access === 'read' || r.headers['x-user'] === 'admin';
    };
    const hooked = { token: undefined, authorize, readOnly: false };
    expect(await authorizeRequest(req({}), 'read', hooked)).toEqual({ ok: true });
    expect(await authorizeRequest(req({}), 'control', hooked)).toMatchObject({
      ok: false,
      status: 403,
    });
    expect(await authorizeRequest(req({ 'x-user': 'admin' }), 'control', hooked)).toEqual({
      ok: true,
    });
    expect(seen).toEqual(['read', 'control', 'control']);
  });

  it('compares secrets whatever their lengths, and generates long random tokens', () => {
    expect(sameSecret(TOKEN, TOKEN)).toBe(true);
    expect(sameSecret(TOKEN, `${TOKEN}x`)).toBe(false);
    expect(sameSecret('', TOKEN)).toBe(false);
    const token = generateToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(generateToken()).not.toBe(token);
  });
});

describe('dashboard CSRF checks', () => {
  it('accepts a same-origin JSON request with the CSRF token', () => {
    expect(checkCsrf(req(sameSite), CSRF)).toEqual({ ok: true });
    // Non-browser clients send neither Origin nor Sec-Fetch-Site.
    const { origin: _o, 'sec-fetch-site': _s, ...tool } = sameSite;
    expect(checkCsrf(req(tool), CSRF)).toEqual({ ok: true });
  });

  it.each([
    ['another origin', { origin: 'https://evil.example' }, /another origin/],
    ['a cross-site fetch', { 'sec-fetch-site': 'cross-site' }, /cross-site request/],
    ['a same-site subdomain', { 'sec-fetch-site': 'same-site' }, /cross-site request/],
    ['a form post', { 'content-type': 'application/x-www-form-urlencoded' }, /application\/json/],
    ['a text/plain post', { 'content-type': 'text/plain' }, /application\/json/],
    ['no CSRF token', { 'x-csrf-token': '' }, /x-csrf-token header is missing or stale/],
    ['a stale CSRF token', { 'x-csrf-token': 'from-another-start' }, /missing or stale/],
  ])('refuses %s with 403', (_what, change, message) => {
    const headers: Record<string, string> = { ...sameSite, ...change };
    if (headers['x-csrf-token'] === '') delete headers['x-csrf-token'];
    expect(checkCsrf(req(headers), CSRF)).toMatchObject({ ok: false, status: 403, message });
  });
});
