/**
 * `POST /api/runs/<id>/rate` with `{ "itemsPerSecond": 200 }` (or `null` to remove the limit) and
 * an optional `reason`: a run's rate limit changed from the console, behind the control guard,
 * through the library's own `setRunRate` (the same the CLI's `rate` calls), with an entry in the
 * run's audit trail. A finished run is refused (409): a limit would change nothing.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { recordAudit } from '../control/audit.js';
import { setRunRate } from '../control/rate.js';
import { getRun } from '../control/status.js';
import { readJsonObject, reasonOf } from './body.js';
import type { RequestContext } from './context.js';
import { controlGuard } from './guard.js';
import { HttpError } from './http-error.js';
import { sendJson } from './respond.js';
import { queueOf } from './runs.js';

const FINAL = new Set(['completed', 'cancelled', 'failed']);

export async function rateApi(
  ctx: RequestContext,
  req: IncomingMessage,
  res: ServerResponse,
  target: { readonly jobId: string; readonly queue: string | undefined },
): Promise<void> {
  const actor = await controlGuard(ctx, req);
  const body = await readJsonObject(req);
  const itemsPerSecond = rateOf(body);
  const reason = reasonOf(body);
  const { jobId } = target;
  const run = await ctx.access.use(async (queues) => {
    const queue = queueOf(queues, target.queue ?? ctx.access.defaultQueue);
    const before = await getRun(queue, jobId);
    if (FINAL.has(String(before.status))) {
      throw new HttpError(
        409,
        `Run #${jobId} is ${before.status}: a rate limit would change nothing.`,
      );
    }
    await setRunRate(queue, jobId, itemsPerSecond);
    await recordAudit(queue, jobId, 'rate', {
      actor,
      via: 'console',
      reason,
      detail:
        itemsPerSecond === null ? 'rate limit removed' : `rate limit ${itemsPerSecond} items/s`,
    });
    return getRun(queue, jobId);
  });
  ctx.history.observe(run);
  sendJson(res, 200, { run });
}

/** `itemsPerSecond`: a number above 0, or `null` for no limit. */
function rateOf(body: Record<string, unknown>): number | null {
  const value = body.itemsPerSecond;
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 1e9) {
    throw new HttpError(
      400,
      `"itemsPerSecond" must be a number above 0 (rows a second), or null to remove the limit; got ${JSON.stringify(value) ?? 'nothing'}.`,
    );
  }
  return value;
}
