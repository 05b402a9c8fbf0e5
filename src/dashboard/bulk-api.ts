/**
 * Bulk actions over the runs the filters match: `GET /api/bulk?action=pause&tags=shard=db-3`
 * previews (how many runs match, how many the action would change, the first of them);
 * `POST /api/bulk/<action>` with `{ "filter": {…}, "reason": "…" }` applies it, behind the control
 * guard, each run getting its own audit entry.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { BulkAction } from '../control/bulk.js';
import { applyBulk, checkQuery, previewOf } from '../control/bulk.js';
import { selectEntries } from '../control/run-index.js';
import { readJsonObject, reasonOf } from './body.js';
import type { RequestContext } from './context.js';
import { controlGuard } from './guard.js';
import { HttpError } from './http-error.js';
import { sendJson } from './respond.js';
import type { RunFilters } from './runs.js';
import { entriesOf } from './runs.js';

const ACTIONS = new Set(['pause', 'resume', 'cancel']);

export function bulkAction(text: string | null | undefined): BulkAction {
  if (!text || !ACTIONS.has(text)) {
    throw new HttpError(
      400,
      `A bulk action is pause, resume or cancel; got ${JSON.stringify(text ?? '')}.`,
    );
  }
  return text as BulkAction;
}

export async function bulkPreviewApi(
  ctx: RequestContext,
  res: ServerResponse,
  action: BulkAction,
  filters: RunFilters,
): Promise<void> {
  const matched = await matching(ctx, filters);
  sendJson(res, 200, previewOf(action, matched));
}

export async function bulkApi(
  ctx: RequestContext,
  req: IncomingMessage,
  res: ServerResponse,
  action: BulkAction,
  parseFilters: (query: URLSearchParams) => RunFilters,
): Promise<void> {
  const actor = await controlGuard(ctx, req);
  const body = await readJsonObject(req);
  const filter = body.filter;
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) {
    throw new HttpError(
      400,
      '"filter" must be an object: { "status": …, "name": …, "tags": "shard=db-3", "queue": … }.',
    );
  }
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(filter as Record<string, unknown>)) {
    if (typeof value === 'string') query.set(key, value);
  }
  const filters = parseFilters(query);
  const reason = reasonOf(body);
  const result = await ctx.access.use(async (queues) => {
    const entries = selectEntries(
      await entriesOf(queues, filters, ctx.names, true),
      criteria(filters),
    );
    return applyBulk((name) => queues.get(name), action, entries, {
      actor,
      via: 'console',
      reason,
    });
  });
  sendJson(res, 200, result);
}

async function matching(ctx: RequestContext, filters: RunFilters) {
  return ctx.access.use(async (queues) =>
    selectEntries(await entriesOf(queues, filters, ctx.names, true), criteria(filters)),
  );
}

/** A bulk action needs a job name, a status or tags (the queue alone is not enough). */
function criteria(filters: RunFilters) {
  try {
    return checkQuery(filters);
  } catch (error) {
    throw new HttpError(400, (error as Error).message);
  }
}
