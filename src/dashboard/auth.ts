/**
 * Who may do what: reads are open unless an `authorize` hook says otherwise; control actions need
 * the access token in an `Authorization: Bearer` header (compared in constant time) or the hook's
 * consent. A header rather than a cookie: browsers never attach it on their own, so another site
 * cannot make a visitor's browser send it.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

import type { DashboardAccess, ResolvedDashboardOptions } from './options.js';

/** A fresh access token: 192 random bits, URL-safe. */
export function generateToken(): string {
  return randomBytes(24).toString('base64url');
}

export type Verdict =
  | { readonly ok: true; readonly principal?: string }
  | { readonly ok: false; readonly status: 401 | 403; readonly message: string };

const ALLOWED: Verdict = { ok: true };

/** Whether `req` may have `access`; the refusal says what is missing, never what was expected. */
export async function authorizeRequest(
  req: IncomingMessage,
  access: DashboardAccess,
  options: Pick<ResolvedDashboardOptions, 'token' | 'authorize' | 'readOnly'>,
): Promise<Verdict> {
  if (access === 'control' && options.readOnly) {
    return {
      ok: false,
      status: 403,
      message: 'This dashboard is read-only: control actions are off.',
    };
  }
  if (options.authorize !== undefined) {
    const answer = await options.authorize(req, access);
    if (!answer) return { ok: false, status: 403, message: 'Not allowed by the application.' };
    const principal =
      typeof answer === 'string' ? answer : (answer as { principal?: unknown }).principal;
    return typeof principal === 'string' && principal !== '' ? { ok: true, principal } : ALLOWED;
  }
  if (access === 'read') return ALLOWED;
  const presented = bearerToken(req);
  if (presented === undefined) {
    return {
      ok: false,
      status: 401,
      message: 'An access token is required: send it as "Authorization: Bearer <token>".',
    };
  }
  if (options.token === undefined || !sameSecret(presented, options.token)) {
    return { ok: false, status: 401, message: 'The access token is not valid.' };
  }
  return ALLOWED;
}

/**
 * Who acts, for the audit trail: the hook's principal; else, behind a hook, `console user`; else
 * the holder of the access token, with the client's address (the token itself is never written).
 */
export function actorOf(req: IncomingMessage, verdict: Verdict, hooked: boolean): string {
  if (verdict.ok && verdict.principal !== undefined) return verdict.principal.slice(0, 200);
  if (hooked) return 'console user';
  const address = req.socket?.remoteAddress;
  return `access token holder${address ? ` (${address})` : ''}`;
}

function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  const match = header === undefined ? null : /^Bearer[ ]+(\S+)$/i.exec(header.trim());
  return match?.[1];
}

/** Constant time whatever the lengths: both sides are hashed to the same size first. */
export function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}
