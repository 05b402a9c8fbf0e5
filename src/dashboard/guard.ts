/**
 * The gate of every state-changing request: authorization for `control` (token or hook; never in
 * read-only mode), then the CSRF checks, then who acts, for the audit trail.
 */
import type { IncomingMessage } from 'node:http';

import { actorOf, authorizeRequest } from './auth.js';
import type { RequestContext } from './context.js';
import { checkCsrf } from './csrf.js';
import { HttpError } from './http-error.js';

/** Resolves with the acting principal, or rejects with the 401 or 403 to answer. */
export async function controlGuard(
  ctx: RequestContext,
  req: IncomingMessage,
  accept: readonly string[] = ['application/json'],
): Promise<string> {
  const verdict = await authorizeRequest(req, 'control', ctx.options);
  if (!verdict.ok) throw new HttpError(verdict.status, verdict.message);
  const csrf = checkCsrf(req, ctx.csrfToken, accept);
  if (!csrf.ok) throw new HttpError(csrf.status, csrf.message);
  return actorOf(req, verdict, ctx.options.authorize !== undefined);
}
