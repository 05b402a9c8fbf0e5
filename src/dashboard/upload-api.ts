/**
 * `POST /api/uploads?job=<name>`: a CSV file for a new run of a job with `csvUpload`, sent as the
 * raw body (`Content-Type: text/csv`) behind the control guard and its CSRF checks. The client's
 * file name (`X-Upload-Name`) is only shown, never used as a path. The answer names the upload's
 * id, which the new run's request then carries.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { CsvUploadOption } from '../csv-upload-option.js';
import type { RequestContext } from './context.js';
import { controlGuard } from './guard.js';
import { HttpError } from './http-error.js';
import { sendJson } from './respond.js';
import { formatBytes } from './uploads/check.js';
import { jobNamed } from './views.js';

export async function uploadApi(
  ctx: RequestContext,
  req: IncomingMessage,
  res: ServerResponse,
  jobName: string | undefined,
): Promise<void> {
  const actor = await controlGuard(ctx, req, ['text/csv']);
  if (ctx.uploads === undefined) {
    throw new HttpError(
      409,
      'This dashboard takes no uploads: start it with --upload-dir (or the `uploads` option).',
    );
  }
  if (jobName === undefined)
    throw new HttpError(400, 'Say which job the file is for: ?job=<name>.');
  const job = jobNamed(ctx, jobName);
  const option = (job.definition as { csvUpload?: CsvUploadOption }).csvUpload;
  if (option === undefined) {
    throw new HttpError(409, `Job "${jobName}" takes no uploaded file (it has no csvUpload).`);
  }
  const declared = Number(req.headers['content-length']);
  const limit = Math.min(option.maxBytes ?? ctx.uploads.maxBytes, ctx.uploads.maxBytes);
  // Refuse at once what says it is too large, rather than reading it first.
  if (Number.isFinite(declared) && declared > limit) {
    res.setHeader('Connection', 'close');
    throw new HttpError(413, `The file is larger than ${formatBytes(limit)}.`);
  }
  let name = 'upload.csv';
  try {
    name = decodeURIComponent(String(req.headers['x-upload-name'] ?? name));
  } catch {
    // A name that is not valid %-encoding is only shown: keep the default.
  }
  try {
    const record = await ctx.uploads.save(req as AsyncIterable<Buffer>, {
      job: jobName,
      name,
      by: actor,
      requiredColumns: option.requiredColumns ?? [],
      delimiter: option.delimiter ?? ',',
      maxBytes: option.maxBytes,
    });
    const { id, bytes, rows, columns } = record;
    sendJson(res, 201, { upload: { id, name: record.name, bytes, rows, columns } });
  } catch (error) {
    // The rest of a refused body is not read: close the connection rather than drain it.
    res.setHeader('Connection', 'close');
    throw error;
  }
}
