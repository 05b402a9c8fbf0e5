/**
 * Holds for data moves from the console, through the library's own `holdRuns`, `releaseHold` and
 * `listHolds` (the same the CLI's `hold`, `release` and `holds` call):
 *
 * - `GET /api/holds` (`?queue=`): the holds of the console's queues, each with its queue;
 * - `POST /api/holds` with `{ "tags": "shard=db-3" | { "shard": "db-3" }, "reason": "…",
 *   "queue"?: "…" }`: a new hold (201);
 * - `POST /api/holds/<id>/release` (`?queue=`): the hold released (404 when there is none).
 *
 * The two POSTs go behind the control guard. A hold belongs to its queue, not to a run, so each
 * unfinished run it covers gets the entry in its audit trail (`hold`, `release`, with the hold's
 * id), at most `MAX_AUDITED` of them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { recordAudit } from '../control/audit.js';
import type { Hold } from '../control/holds.js';
import { holdRuns, listHolds, releaseHold } from '../control/holds.js';
import type { RunEntry } from '../control/run-index.js';
import { selectEntries } from '../control/run-index.js';
import type { RunTags } from '../control/tags.js';
import { checkTags, parseTagFilter } from '../control/tags.js';
import type { QueueAccess, QueueSet } from './access.js';
import { readJsonObject, reasonOf } from './body.js';
import type { RequestContext } from './context.js';
import { controlGuard } from './guard.js';
import { HttpError } from './http-error.js';
import { sendJson } from './respond.js';
import { entriesOf, queueOf } from './runs.js';

/** A hold as the console shows it: with the queue it belongs to. */
export interface QueueHold extends Hold {
  readonly queueName: string;
}

const FINAL = new Set(['completed', 'cancelled', 'failed']);
const MAX_AUDITED = 1_000;

/** The holds of every queue the console shows (or of `queueName`), oldest first. */
export async function readHolds(
  access: QueueAccess,
  queueName: string | undefined,
): Promise<QueueHold[]> {
  return access.use(async (queues) => {
    const names = queueName === undefined ? queues.names : [queueOf(queues, queueName).name];
    const lists = await Promise.all(
      names.map(async (name) =>
        (await listHolds(queues.get(name)!)).map((hold) => ({ ...hold, queueName: name })),
      ),
    );
    return lists.flat().sort((a, b) => a.createdAt - b.createdAt);
  });
}

export async function holdsApi(
  ctx: RequestContext,
  res: ServerResponse,
  queueName: string | undefined,
): Promise<void> {
  sendJson(res, 200, { holds: await readHolds(ctx.access, queueName) });
}

export async function createHoldApi(
  ctx: RequestContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const actor = await controlGuard(ctx, req);
  const body = await readJsonObject(req);
  const tags = tagsOf(body.tags);
  const reason = reasonOf(body);
  if (reason === undefined || reason.trim() === '') {
    throw new HttpError(400, '"reason" is required: it is shown on every held run.');
  }
  const queued = body.queue;
  if (queued !== undefined && typeof queued !== 'string') {
    throw new HttpError(400, '"queue" must be a queue name.');
  }
  const answer = await ctx.access.use(async (queues) => {
    const queue = queueOf(queues, queued || ctx.access.defaultQueue);
    const hold = await holdRuns(queue, { tags, reason }).catch(badRequest);
    const covered = await coveredRuns(ctx, queues, queue.name, hold);
    await audit(queues, queue.name, covered, hold, 'hold', actor);
    return { hold: { ...hold, queueName: queue.name }, audited: covered.length };
  });
  sendJson(res, 201, answer);
}

export async function releaseHoldApi(
  ctx: RequestContext,
  req: IncomingMessage,
  res: ServerResponse,
  target: { readonly id: string; readonly queue: string | undefined },
): Promise<void> {
  const actor = await controlGuard(ctx, req);
  await readJsonObject(req);
  const answer = await ctx.access.use(async (queues) => {
    const queue = queueOf(queues, target.queue ?? ctx.access.defaultQueue);
    const hold = (await listHolds(queue)).find((one) => one.id === target.id);
    // The runs it covers are read first: released, they may finish at once.
    const covered = hold === undefined ? [] : await coveredRuns(ctx, queues, queue.name, hold);
    await releaseHold(queue, target.id);
    if (hold !== undefined) await audit(queues, queue.name, covered, hold, 'release', actor);
    return { released: target.id, queueName: queue.name, audited: covered.length };
  });
  sendJson(res, 200, answer);
}

/** Tags as the filter field writes them (`shard=db-3,region=eu`) or as an object. */
function tagsOf(value: unknown): RunTags {
  try {
    if (typeof value === 'string') return parseTagFilter(value);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return checkTags(value, 'the hold');
    }
  } catch (error) {
    throw new HttpError(400, (error as Error).message);
  }
  throw new HttpError(
    400,
    '"tags" must be name=value pairs ("shard=db-3,region=eu") or an object.',
  );
}

function badRequest(error: unknown): never {
  if (error instanceof TypeError) throw new HttpError(400, error.message);
  throw error;
}

/** The unfinished runs of the queue that `hold` covers, at most `MAX_AUDITED`. */
async function coveredRuns(
  ctx: RequestContext,
  queues: QueueSet,
  queueName: string,
  hold: Hold,
): Promise<RunEntry[]> {
  const entries = await entriesOf(queues, { queue: queueName }, ctx.names, true);
  return selectEntries(entries, { tags: hold.tags })
    .filter((entry) => !FINAL.has(String(entry.status)))
    .slice(0, MAX_AUDITED);
}

/** An entry in the audit trail of each run of `covered`. */
async function audit(
  queues: QueueSet,
  queueName: string,
  covered: readonly RunEntry[],
  hold: Hold,
  action: 'hold' | 'release',
  actor: string,
): Promise<void> {
  const queue = queues.get(queueName)!;
  const options = {
    actor,
    via: 'console' as const,
    reason: hold.reason,
    detail: `hold ${hold.id}`,
  };
  for (let i = 0; i < covered.length; i += 8) {
    await Promise.all(
      covered.slice(i, i + 8).map((entry) => recordAudit(queue, entry.jobId, action, options)),
    );
  }
}
