/**
 * Cross-site request forgery protection for state-changing requests. The bearer token already
 * stops forged requests, but an `authorize` hook may rely on a cookie, which a browser does attach
 * to a request another site makes. So every POST must also:
 *
 * - carry the handler's CSRF token in `X-CSRF-Token` (the page reads it from its own markup,
 *   which another origin cannot read), and be `application/json` (a cross-origin page cannot send
 *   either without a CORS preflight, which this handler never grants);
 * - come from the same origin when the browser says where it comes from (`Origin`,
 *   `Sec-Fetch-Site`).
 */
import type { IncomingMessage } from 'node:http';

import { generateToken, sameSecret, type Verdict } from './auth.js';

export const CSRF_HEADER = 'x-csrf-token';

/** One per handler: pages embed it, POSTs echo it. */
export function createCsrfToken(): string {
  return generateToken();
}

/**
 * `accept` lists the content types the endpoint takes: JSON by default; the upload endpoint also
 * takes `text/csv`, which no cross-origin page can send without a preflight either.
 */
export function checkCsrf(
  req: IncomingMessage,
  csrfToken: string,
  accept: readonly string[] = ['application/json'],
): Verdict {
  const site = header(req, 'sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return refuse(`cross-site request (Sec-Fetch-Site: ${site})`);
  }
  const origin = header(req, 'origin');
  if (origin !== undefined && !sameOrigin(origin, req)) {
    return refuse('the request comes from another origin');
  }
  const type = header(req, 'content-type')?.split(';')[0]?.trim().toLowerCase();
  if (type === undefined || !accept.includes(type)) {
    return refuse(`control requests must be sent as ${accept.join(' or ')}`);
  }
  const presented = header(req, CSRF_HEADER);
  if (presented === undefined || !sameSecret(presented, csrfToken)) {
    return refuse(`the ${CSRF_HEADER} header is missing or stale; reload the page`);
  }
  return { ok: true };
}

/** `Origin` against the host the request was sent to (a proxy's forwarded host counts too). */
function sameOrigin(origin: string, req: IncomingMessage): boolean {
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false;
  }
  const hosts = [header(req, 'host'), header(req, 'x-forwarded-host')?.split(',')[0]?.trim()];
  return hosts.some((h) => h !== undefined && h.toLowerCase() === host.toLowerCase());
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function refuse(why: string): Verdict {
  return { ok: false, status: 403, message: `Refused: ${why}.` };
}
