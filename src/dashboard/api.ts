/**
 * The JSON API. Reads: `GET /api/runs` (paged; filters `queue`, `status`, `name`, `tags`,
 * `page`), `GET /api/runs/<id>`, `GET /api/jobs`, `GET /api/bulk` (a bulk action's preview).
 * Actions, each behind the control guard (token or hook, CSRF): `POST /api/runs/<id>/<action>`
 * (pause, resume, cancel, retry, restart, replay), `POST /api/jobs/<name>/runs` (a new run),
 * `POST /api/uploads` (a CSV file) and `POST /api/bulk/<action>`. Refusals of the control API
 * itself (no such run, finished, not paused) answer 404/409.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { RunAction } from './actions.js';
import { actOnRun } from './actions.js';
import { readJsonObject, reasonOf } from './body.js';
import type { RequestContext } from './context.js';
import { controlGuard } from './guard.js';
import { HttpError } from './http-error.js';
import { jobSettings } from './pages/job-settings.js';
import { paramsJsonSchema } from './params-form/json-schema.js';
import { sendJson } from './respond.js';
import type { RunFilters } from './runs.js';
import { readRunDetail, readRunList } from './runs.js';

export async function listRunsApi(
  ctx: RequestContext,
  res: ServerResponse,
  filters: RunFilters,
): Promise<void> {
  const list = await readRunList(ctx.access, ctx.history, filters, {
    limit: ctx.options.limit,
    names: ctx.names,
  });
  sendJson(res, 200, {
    queue: ctx.access.defaultQueue,
    queues: list.queues,
    total: list.total,
    page: list.page,
    pages: list.pages,
    limit: list.limit,
    runs: list.runs,
  });
}

export async function runApi(
  ctx: RequestContext,
  res: ServerResponse,
  jobId: string,
  queue: string | undefined,
): Promise<void> {
  const detail = await readRunDetail(ctx.access, ctx.history, jobId, queue);
  const queueName = detail.run.queueName;
  sendJson(res, 200, {
    ...detail,
    samples: ctx.history.samples(queueName, jobId),
    changes: ctx.history.changes(queueName, jobId),
  });
}

export async function jobsApi(ctx: RequestContext, res: ServerResponse): Promise<void> {
  sendJson(res, 200, {
    jobs: ctx.options.jobs.map((job) => ({
      name: job.name,
      params: jobSettings(job).params,
      schema: paramsJsonSchema(job.definition) ?? null,
      csvUpload: (job.definition as { csvUpload?: unknown }).csvUpload ?? null,
    })),
  });
}

export async function actionApi(
  ctx: RequestContext,
  req: IncomingMessage,
  res: ServerResponse,
  target: {
    readonly jobId: string;
    readonly queue: string | undefined;
    readonly action: RunAction;
  },
): Promise<void> {
  const actor = await controlGuard(ctx, req);
  const body = await readJsonObject(req);
  const reason = target.action === 'resume' ? undefined : reasonOf(body);
  const fromCursor = body.fromCursor;
  if (fromCursor !== undefined && target.action !== 'restart') {
    throw new HttpError(400, '"fromCursor" is for a restart only.');
  }
  const result = await actOnRun(ctx.access, ctx.history, {
    ...target,
    reason,
    actor,
    ...(fromCursor === undefined ? {} : { fromCursor: fromCursor as never }),
  });
  sendJson(res, 200, result);
}
