/**
 * The dashboard as a plain `node:http` request handler, `(req, res, next?)`: mount it in any Node
 * server (node:http, Express, Fastify, Hono's node server) or let `bullmq-iteration dashboard`
 * serve it. It routes pages, fragments, assets and the JSON API (see routes.ts); paths not its
 * own go to `next` when there is one, else answer 404.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { RunControlError } from '../errors.js';
import type { QueueAccess } from './access.js';
import { directAccess } from './access.js';
import type { RequestContext, Where } from './context.js';
import { createCsrfToken } from './csrf.js';
import { RunHistory } from './history.js';
import { HttpError } from './http-error.js';
import type { DashboardOptions, ResolvedDashboardOptions } from './options.js';
import { checkQueues, resolveDashboardOptions } from './options.js';
import { sendError, sendJson } from './respond.js';
import { route } from './routes.js';
import { UploadStore } from './uploads/store.js';

/** A `node:http` request handler; `next` is Express's, called for paths that are not the dashboard's. */
export type DashboardHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (error?: unknown) => void,
) => void;

/**
 * The console of one or more queues as a request handler: pages of their runs (live, about once
 * a second, a page at a time), a page per run and per job, new runs from a job's form, repairs,
 * bulk actions and the JSON API, every action recorded in the run's audit trail.
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
 *   jobs: [backfillUsers],
 *   authorize: (req, access) => (access === 'read' || isAdmin(req) ? userOf(req) : false),
 * }));
 * app.listen(3000, '127.0.0.1');
 * ```
 */
export function createDashboardHandler(options: DashboardOptions): DashboardHandler {
  const queues = checkQueues(options);
  return handlerFor(directAccess(queues), resolveDashboardOptions(options, queues[0]!.name));
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
    names: options.jobs.map((job) => job.name),
    uploads:
      options.uploads === undefined
        ? undefined
        : new UploadStore(options.uploads.dir, options.uploads.maxBytes),
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
  if (error instanceof HttpError) {
    if (api) return sendJson(res, error.status, { error: error.message, ...error.details });
    return sendError(res, error.status, error.message, false);
  }
  // By name as well: a job module may bring its own copy of this package.
  if (
    error instanceof RunControlError ||
    (error as Error | undefined)?.name === 'RunControlError'
  ) {
    const code = (error as RunControlError).code;
    return sendError(res, code === 'not-found' ? 404 : 409, (error as Error).message, api);
  }
  if ((error as Error | undefined)?.name === 'CursorError') {
    return sendError(res, 422, (error as Error).message, api);
  }
  // Messages can come from a driver; never echo a password that one might hold.
  const message = (error instanceof Error ? error.message : String(error)).replace(
    /\/\/([^:/@\s]*):[^@/\s]*@/g,
    '//$1:***@',
  );
  sendError(res, 500, `The dashboard could not answer: ${message}`, api);
}
