/**
 * Which request goes where. State-changing requests are POSTs to /api/…, each behind the control
 * guard; everything else is a GET (or HEAD) behind read authorization. Paths the handler does not
 * know resolve `false`, for `next` or a 404.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { parseTagFilter } from '../control/tags.js';
import type { RunAction } from './actions.js';
import { RUN_ACTIONS } from './actions.js';
import { actionApi, jobsApi, listRunsApi, runApi } from './api.js';
import { FAVICON_SVG } from './assets/favicon.js';
import { DASHBOARD_SCRIPT } from './assets/script.js';
import { DASHBOARD_STYLES } from './assets/styles.js';
import { authorizeRequest } from './auth.js';
import { bulkAction, bulkApi, bulkPreviewApi } from './bulk-api.js';
import type { RequestContext, Where } from './context.js';
import { HttpError } from './http-error.js';
import { newRunApi } from './new-run.js';
import { sendAsset, sendError, sendHtml } from './respond.js';
import type { RunFilters } from './runs.js';
import { sweepUploads } from './sweep.js';
import { uploadApi } from './upload-api.js';
import {
  jobFragment,
  jobPage,
  jobsPage,
  runFragment,
  runPage,
  runsFragment,
  runsPage,
} from './views.js';

const RUN = /^\/runs\/([^/]+)$/;
const RUN_FRAGMENT = /^\/fragments\/runs\/([^/]+)$/;
const RUN_API = /^\/api\/runs\/([^/]+)$/;
const ACTION_API = new RegExp(`^/api/runs/([^/]+)/(${RUN_ACTIONS.join('|')})$`);
const JOB = /^\/jobs\/([^/]+)$/;
const JOB_FRAGMENT = /^\/fragments\/jobs\/([^/]+)$/;
const NEW_RUN_API = /^\/api\/jobs\/([^/]+)\/runs$/;
const BULK_API = /^\/api\/bulk\/([^/]+)$/;

/** Resolves false for a path that is not the dashboard's. */
export async function route(
  ctx: RequestContext,
  req: IncomingMessage,
  res: ServerResponse,
  { base, path, query }: Where,
): Promise<boolean> {
  const method = req.method ?? 'GET';
  const match = (pattern: RegExp) => {
    const m = pattern.exec(path);
    return m ? m.slice(1).map((part) => decodeURIComponent(part)) : undefined;
  };
  const queue = query.get('queue') || undefined;

  const action = match(ACTION_API);
  const newRun = match(NEW_RUN_API);
  const bulk = match(BULK_API);
  if (action || newRun || bulk || path === '/api/uploads') {
    if (method !== 'POST') return methodNotAllowed(res, 'POST');
    if (action) {
      const [jobId, verb] = action as [string, RunAction];
      await actionApi(ctx, req, res, { jobId, queue, action: verb });
    } else if (newRun) await newRunApi(ctx, req, res, newRun[0]!);
    else if (bulk) await bulkApi(ctx, req, res, bulkAction(bulk[0]), parseFilters);
    else await uploadApi(ctx, req, res, query.get('job') || undefined);
    return true;
  }

  if (path === '/assets/dashboard.js') return asset(res, 'text/javascript', DASHBOARD_SCRIPT);
  if (path === '/assets/dashboard.css') return asset(res, 'text/css', DASHBOARD_STYLES);
  if (path === '/assets/favicon.svg' || path === '/favicon.ico') {
    return asset(res, 'image/svg+xml', FAVICON_SVG);
  }
  if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(res, 'GET, HEAD');

  const run = match(RUN)?.[0];
  const runPart = match(RUN_FRAGMENT)?.[0];
  const runJson = match(RUN_API)?.[0];
  const job = match(JOB)?.[0];
  const jobPart = match(JOB_FRAGMENT)?.[0];
  const fixed = new Set(['/', '/jobs', '/fragments/runs', '/api/runs', '/api/jobs', '/api/bulk']);
  const known =
    fixed.has(path) || [run, runPart, runJson, job, jobPart].some((id) => id !== undefined);
  if (!known) return false;
  const api = path.startsWith('/api/');
  const allowed = await authorizeRequest(req, 'read', ctx.options);
  if (!allowed.ok) {
    sendError(res, allowed.status, allowed.message, api);
    return true;
  }
  // Uploads whose run has ended are removed as the console is used (at most every 30 s).
  if (ctx.uploads !== undefined) void sweepUploads(ctx).catch(() => undefined);
  const filters = parseFilters(query);
  if (path === '/') sendHtml(res, 200, (await runsPage(ctx, base, filters)).text);
  else if (path === '/jobs') sendHtml(res, 200, (await jobsPage(ctx, base)).text);
  else if (path === '/fragments/runs') {
    sendHtml(res, 200, (await runsFragment(ctx, base, filters)).text);
  } else if (run !== undefined) sendHtml(res, 200, (await runPage(ctx, base, run, queue)).text);
  else if (runPart !== undefined) {
    sendHtml(res, 200, (await runFragment(ctx, runPart, queue)).text);
  } else if (job !== undefined) sendHtml(res, 200, (await jobPage(ctx, base, job)).text);
  else if (jobPart !== undefined) sendHtml(res, 200, (await jobFragment(ctx, base, jobPart)).text);
  else if (path === '/api/runs') await listRunsApi(ctx, res, filters);
  else if (path === '/api/jobs') await jobsApi(ctx, res);
  else if (path === '/api/bulk') {
    await bulkPreviewApi(ctx, res, bulkAction(query.get('action')), filters);
  } else await runApi(ctx, res, runJson!, queue);
  return true;
}

/** The filters of a listing, from the address (`?status=&name=&queue=&tags=&page=`). */
export function parseFilters(query: URLSearchParams): RunFilters {
  const tags = query.get('tags')?.trim();
  const page = Number(query.get('page') ?? '1');
  let parsedTags;
  try {
    parsedTags = tags ? parseTagFilter(tags) : undefined;
  } catch (error) {
    throw new HttpError(400, (error as Error).message);
  }
  return {
    status: query.get('status') || undefined,
    name: query.get('name') || undefined,
    queue: query.get('queue') || undefined,
    tags: parsedTags,
    page: Number.isSafeInteger(page) && page >= 1 ? page : 1,
  };
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
