/**
 * Reading a request's JSON body, bounded: a body parser mounted before the handler
 * (`express.json()`) may have read it already; otherwise it is read here, refused past `maxBytes`,
 * and must be a JSON object. A refusal is an `HttpError` saying what is wrong.
 */
import type { IncomingMessage } from 'node:http';

import { HttpError } from './http-error.js';

/** Bodies of control requests; a new run's params may be larger. */
export const MAX_BODY_BYTES = 4_096;
export const MAX_NEW_RUN_BYTES = 256 * 1024;

export async function readJsonObject(
  req: IncomingMessage,
  maxBytes = MAX_BODY_BYTES,
): Promise<Record<string, unknown>> {
  const parsed = (req as { body?: unknown }).body;
  if (parsed !== undefined && req.readableEnded) return checkObject(parsed);
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new HttpError(413, `The body is larger than ${maxBytes} bytes.`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'The body is not JSON; send a JSON object, e.g. {"reason": "…"}.');
  }
  return checkObject(value);
}

function checkObject(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpError(400, 'The body must be a JSON object, e.g. {} or {"reason": "…"}.');
  }
  return value as Record<string, unknown>;
}

const MAX_REASON_CHARS = 500;

/** An optional `reason` field: a string of at most 500 characters. */
export function reasonOf(body: Record<string, unknown>): string | undefined {
  const reason = body.reason;
  if (reason === undefined || reason === null || reason === '') return undefined;
  if (typeof reason !== 'string' || reason.length > MAX_REASON_CHARS) {
    throw new HttpError(
      400,
      `"reason" must be a string of at most ${MAX_REASON_CHARS} characters.`,
    );
  }
  return reason;
}
