/**
 * The dashboard as a plain `node:http` request handler, `(req, res, next?)`: mount it in any Node
 * server (node:http, Express, Fastify, Hono's node server) or let `bullmq-iteration dashboard`
 * serve it. It routes pages, fragments, assets and the JSON API; paths not its own go to `next`
 * when there is one, else answer 404.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { RunControlError } from '../errors.js';
import type { QueueAccess } from './access.js';
import { directAccess } from './access.js';
import { controlApi, jobsApi, listRunsApi, runApi } from './api.js';
import { DASHBOARD_SCRIPT } from './assets/script.js';
import { DASHBOARD_STYLES } from './assets/styles.js';
import { authorizeRequest } from './auth.js';
import type { RequestContext } from './context.js';
import { createCsrfToken } from './csrf.js';
import { RunHistory } from './history.js';
import type { DashboardOptions, ResolvedDashboardOptions } from './options.js';
import { checkQueue, resolveDashboardOptions } from './options.js';
import { sendAsset, sendError, sendHtml } from './respond.js';
import type { ControlVerb, RunFilters } from './runs.js';
import { jobsPage, runFragment, runPage, runsFragment, runsPage } from './views.js';

/** A `node:http` request handler; `next` is Express's, called for paths that are not the dashboard's. */
export type DashboardHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (error?: unknown) => void,
) => void;

/**
 * The dashboard of one queue as a request handler: pages of its runs (live, about once a second),
 * a page per run, the Jobs page (with `jobs`) and the JSON API with pause, resume and cancel.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { connect, createDashboardHandler } from 'bullmq-iteration';
 *
 * const backend = await connect();
 * const app = express();
 * app.use('/iterations', createDashboardHandler({
 *   queue: backend.queue('maintenance'),
 *   authorize: (req, access) => access === 'read' || isAdmin(req),
 * }));
 * app.listen(3000, '127.0.0.1');
 * ```
 */
export function createDashboardHandler(options: DashboardOptions): DashboardHandler {
  const queue = checkQueue(options.queue);
  return handlerFor(directAccess(queue), resolveDashboardOptions(options, queue.name));
}

/** The handler over any queue access (the CLI's reopens its backend as needed). */
export function handlerFor(
  access: QueueAccess,
  options: ResolvedDashboardOptions,
): DashboardHandler {
  const ctx: RequestContext = {
    options,
    access,
    history: new RunHistory(),
    csrfToken: createCsrfToken(),
    listOptions: { limit: options.limit, names: options.jobs.map((job) => job.name) },
  };
  return (req, res, next) => {
    const where = locate(req, options.basePath);
    if (where === undefined) return notOurs(res, next);
    route(ctx, req, res, where).then(
      (handled) => {
        if (!handled) notOurs(res, next);
      },
      (error: unknown) => failed(res, error, where.path.startsWith('/api/')),
    );
  };
}

interface Where {
  /** Prefix for links: where the handler is mounted. */
  readonly base: string;
  /** The path below it. */
  readonly path: string;
  readonly query: URLSearchParams;
}

function locate(req: IncomingMessage, basePath: string): Where | undefined {
  const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
  // Express strips its mount path from req.url and keeps it in req.baseUrl.
  const mounted = (req as { baseUrl?: unknown }).baseUrl;
  if (typeof mounted === 'string' && mounted !== '') {
    return { base: mounted, path: url.pathname, query: url.searchParams };
  }
  if (basePath === '') return { base: '', path: url.pathname, query: url.searchParams };
  if (url.pathname !== basePath && !url.pathname.startsWith(`${basePath}/`)) return undefined;
  return {
    base: basePath,
    path: url.pathname.slice(basePath.length) || '/',
    query: url.searchParams,
  };
}

const RUN = /^\/runs\/([^/]+)$/;
const RUN_FRAGMENT = /^\/fragments\/runs\/([^/]+)$/;
const RUN_API = /^\/api\/runs\/([^/]+)$/;
const CONTROL_API = /^\/api\/runs\/([^/]+)\/(pause|resume|cancel)$/;

/** Resolves false for a path that is not the dashboard's. */
async function route(
  ctx: RequestContext,
  req: IncomingMessage,
  res: ServerResponse,
  { base, path, query }: Where,
): Promise<boolean> {
  const method = req.method ?? 'GET';
  const api = path.startsWith('/api/');
  const control = CONTROL_API.exec(path);
  if (control) {
    if (method !== 'POST') return methodNotAllowed(res, 'POST');
    await controlApi(ctx, req, res, decodeURIComponent(control[1]!), control[2] as ControlVerb);
    return true;
  }
  if (path === '/assets/dashboard.js') return asset(res, 'text/javascript', DASHBOARD_SCRIPT);
  if (path === '/assets/dashboard.css') return asset(res, 'text/css', DASHBOARD_STYLES);
  if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(res, 'GET, HEAD');
  const filters: RunFilters = {
    status: query.get('status') || undefined,
    name: query.get('name') || undefined,
  };
  const match = (pattern: RegExp) => {
    const m = pattern.exec(path);
    return m ? decodeURIComponent(m[1]!) : undefined;
  };
  const runId = match(RUN);
  const fragmentId = match(RUN_FRAGMENT);
  const apiId = match(RUN_API);
  const known =
    path === '/' ||
    path === '/jobs' ||
    path === '/fragments/runs' ||
    path === '/api/runs' ||
    path === '/api/jobs' ||
    runId !== undefined ||
    fragmentId !== undefined ||
    apiId !== undefined;
  if (!known) return false;
  const allowed = await authorizeRequest(req, 'read', ctx.options);
  if (!allowed.ok) {
    sendError(res, allowed.status, allowed.message, api);
    return true;
  }
  if (path === '/') sendHtml(res, 200, (await runsPage(ctx, base, filters)).text);
  else if (path === '/jobs') sendHtml(res, 200, (await jobsPage(ctx, base)).text);
  else if (path === '/fragments/runs')
    sendHtml(res, 200, (await runsFragment(ctx, base, filters)).text);
  else if (runId !== undefined) sendHtml(res, 200, (await runPage(ctx, base, runId)).text);
  else if (fragmentId !== undefined) sendHtml(res, 200, (await runFragment(ctx, fragmentId)).text);
  else if (path === '/api/runs') await listRunsApi(ctx, res, filters);
  else if (path === '/api/jobs') await jobsApi(ctx, res);
  else await runApi(ctx, res, apiId!);
  return true;
}

function asset(res: ServerResponse, type: string, body: string): true {
  sendAsset(res, type, body);
  return true;
}

function methodNotAllowed(res: ServerResponse, allow: string): true {
  res.setHeader('Allow', allow);
  sendError(res, 405, `Method not allowed; use ${allow}.`, true);
  return true;
}

function notOurs(res: ServerResponse, next: ((error?: unknown) => void) | undefined): void {
  if (next) return next();
  sendError(res, 404, 'Not found.', false);
}

function failed(res: ServerResponse, error: unknown, api: boolean): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (error instanceof URIError)
    return sendError(res, 400, 'Malformed %-encoding in the path.', api);
  // By name as well: a job module may bring its own copy of this package.
  if (
    error instanceof RunControlError ||
    (error as Error | undefined)?.name === 'RunControlError'
  ) {
    const code = (error as RunControlError).code;
    return sendError(res, code === 'not-found' ? 404 : 409, (error as Error).message, api);
  }
  // Messages can come from a driver; never echo a password that one might hold.
  const message = (error instanceof Error ? error.message : String(error)).replace(
    /\/\/([^:/@\s]*):[^@/\s]*@/g,
    '//$1:***@',
  );
  sendError(res, 500, `The dashboard could not answer: ${message}`, api);
}
