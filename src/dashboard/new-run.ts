/**
 * `POST /api/jobs/<name>/runs`: a run started from the console. The params go through the job's
 * own `enqueue` (its schema, `parseParams` and the JSON check, the same as in code); a refusal
 * answers 422 with the schema's issues by path, for the form to show beside each field. A CSV
 * job takes the id of a file uploaded before (`POST /api/uploads`) instead of a path.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { getRun } from '../control/status.js';
import type { RunTags } from '../control/tags.js';
import { checkTags, parseTagFilter } from '../control/tags.js';
import type { CsvUploadOption } from '../csv-upload-option.js';
import type { EnqueueOptions } from '../enqueue.js';
import { MAX_NEW_RUN_BYTES, readJsonObject, reasonOf } from './body.js';
import type { RequestContext } from './context.js';
import { controlGuard } from './guard.js';
import { HttpError } from './http-error.js';
import { sendJson } from './respond.js';
import { queueOf } from './runs.js';
import { jobNamed } from './views.js';

interface Enqueueable {
  enqueue(queue: unknown, params: unknown, options: EnqueueOptions): Promise<{ id?: string }>;
}

export async function newRunApi(
  ctx: RequestContext,
  req: IncomingMessage,
  res: ServerResponse,
  jobName: string,
): Promise<void> {
  const actor = await controlGuard(ctx, req);
  const job = jobNamed(ctx, jobName);
  const body = await readJsonObject(req, MAX_NEW_RUN_BYTES);
  const queueName = optionalString(body.queue, 'queue') ?? ctx.access.defaultQueue;
  const tags = tagsOf(body.tags);
  const reason = reasonOf(body);
  const { csvUpload } = job.definition as { csvUpload?: CsvUploadOption };
  let params: unknown = body.params ?? {};
  let upload: string | undefined;
  if (csvUpload !== undefined) {
    if (ctx.uploads === undefined) {
      throw new HttpError(
        409,
        `Job "${jobName}" reads an uploaded CSV file, but this dashboard has no upload directory (--upload-dir).`,
      );
    }
    upload = optionalString(body.upload, 'upload');
    if (upload === undefined)
      throw new HttpError(422, 'Choose a CSV file to upload first.', {
        issues: [{ path: csvUpload.param, message: 'a CSV file is required' }],
      });
    await ctx.uploads.unclaimed(upload, jobName);
    if (typeof params !== 'object' || params === null || Array.isArray(params)) {
      throw new HttpError(
        400,
        '"params" must be a JSON object for a job that reads an uploaded file.',
      );
    }
    params = { ...params, [csvUpload.param]: ctx.uploads.pathOf(upload) };
  }
  const added = await ctx.access.use(async (queues) => {
    const queue = queueOf(queues, queueName);
    let job_: { id?: string };
    try {
      job_ = await (job as unknown as Enqueueable).enqueue(queue, params, {
        ...(tags === undefined ? {} : { tags }),
        startedBy: { actor, via: 'console', reason },
      });
    } catch (error) {
      throw refusal(error);
    }
    return { id: job_.id!, run: await getRun(queue, job_.id!) };
  });
  if (upload !== undefined) await ctx.uploads!.claim(upload, { queue: queueName, id: added.id });
  ctx.history.observe(added.run);
  sendJson(res, 201, { run: added.run });
}

/** What enqueue refused, as the answer a form can show: the schema's issues by path. */
function refusal(error: unknown): unknown {
  const name = (error as Error | undefined)?.name;
  // By name: a job module may bring its own copy of this package.
  if (name === 'ParamsValidationError') {
    return new HttpError(422, (error as Error).message, {
      issues: (error as { issues?: unknown }).issues ?? [],
    });
  }
  if (name === 'IterationDefinitionError' || name === 'ParamsError') {
    return new HttpError(422, (error as Error).message, { issues: [] });
  }
  return error;
}

function tagsOf(value: unknown): RunTags | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  try {
    return typeof value === 'string' ? parseTagFilter(value) : checkTags(value, 'tags');
  } catch (error) {
    throw new HttpError(400, (error as Error).message);
  }
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || value.length > 200) {
    throw new HttpError(400, `"${name}" must be a string.`);
  }
  return value;
}
