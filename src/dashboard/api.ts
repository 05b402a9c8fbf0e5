/**
 * The JSON API: `GET /api/runs` (filters `status` and `name`), `GET /api/runs/<id>`, `GET /api/jobs`,
 * and the control actions `POST /api/runs/<id>/pause`, `/resume` and `/cancel` with an optional
 * `{ "reason": "…" }` body. Control needs authorization (401/403 without it) and passes the CSRF
 * checks; refusals of the control API itself (no such run, finished, not paused) answer 404/409.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { authorizeRequest } from './auth.js';
import type { RequestContext } from './context.js';
import { checkCsrf } from './csrf.js';
import { sendJson } from './respond.js';
import type { ControlVerb, RunFilters } from './runs.js';
import { controlRun, readRunDetail, readRunList } from './runs.js';

const MAX_BODY_BYTES = 4_096;
const MAX_REASON_CHARS = 500;

export async function listRunsApi(
  ctx: RequestContext,
  res: ServerResponse,
  filters: RunFilters,
): Promise<void> {
  const list = await readRunList(ctx.access, ctx.history, filters, ctx.listOptions);
  sendJson(res, 200, { queue: ctx.access.queueName, runs: list.runs });
}

export async function runApi(
  ctx: RequestContext,
  res: ServerResponse,
  jobId: string,
): Promise<void> {
  const detail = await readRunDetail(ctx.access, ctx.history, jobId);
  sendJson(res, 200, {
    ...detail,
    samples: ctx.history.samples(jobId),
    changes: ctx.history.changes(jobId),
  });
}

export async function jobsApi(ctx: RequestContext, res: ServerResponse): Promise<void> {
  sendJson(res, 200, {
    jobs: ctx.options.jobs.map((job) => ({ name: job.name })),
  });
}

export async function controlApi(
  ctx: RequestContext,
  req: IncomingMessage,
  res: ServerResponse,
  jobId: string,
  verb: ControlVerb,
): Promise<void> {
  const allowed = await authorizeRequest(req, 'control', ctx.options);
  if (!allowed.ok) return sendJson(res, allowed.status, { error: allowed.message });
  const csrf = checkCsrf(req, ctx.csrfToken);
  if (!csrf.ok) return sendJson(res, csrf.status, { error: csrf.message });
  const body = await readBody(req);
  if (typeof body === 'string') return sendJson(res, 400, { error: body });
  const run = await controlRun(
    ctx.access,
    ctx.history,
    jobId,
    verb,
    verb === 'resume' ? undefined : body.reason,
  );
  sendJson(res, 200, { run });
}

/** The request's JSON body, or a message saying what is wrong with it. */
async function readBody(req: IncomingMessage): Promise<{ reason?: string } | string> {
  // A body parser mounted before the handler (express.json()) has read the stream already.
  const parsed = (req as { body?: unknown }).body;
  if (parsed !== undefined && req.readableEnded) return checkBody(parsed);
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return `The body is larger than ${MAX_BODY_BYTES} bytes.`;
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'The body is not JSON; send {} or {"reason": "…"}.';
  }
  return checkBody(value);
}

function checkBody(value: unknown): { reason?: string } | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'The body must be a JSON object: {} or {"reason": "…"}.';
  }
  const reason = (value as { reason?: unknown }).reason;
  if (reason === undefined || reason === null || reason === '') return {};
  if (typeof reason !== 'string' || reason.length > MAX_REASON_CHARS) {
    return `"reason" must be a string of at most ${MAX_REASON_CHARS} characters.`;
  }
  return { reason };
}
