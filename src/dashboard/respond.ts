/**
 * Writing responses, always with the same protective headers: a Content-Security-Policy that
 * allows only this handler's own script and stylesheet (no inline script, no other origin), no
 * framing, no MIME sniffing, no referrer, and no caching of anything that shows runs.
 */
import type { ServerResponse } from 'node:http';

import { escapeHtml } from './html.js';

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

function headers(res: ServerResponse, type: string, cache: boolean): void {
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Cache-Control', cache ? 'public, max-age=300' : 'no-store');
}

export function sendHtml(res: ServerResponse, status: number, body: string): void {
  headers(res, 'text/html; charset=utf-8', false);
  res.statusCode = status;
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  headers(res, 'application/json; charset=utf-8', false);
  res.statusCode = status;
  res.end(JSON.stringify(value));
}

export function sendAsset(res: ServerResponse, type: string, body: string): void {
  headers(res, `${type}; charset=utf-8`, true);
  res.statusCode = 200;
  res.end(body);
}

/** An error for a program (the API) or for a person (a page). */
export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  json: boolean,
): void {
  if (json) return sendJson(res, status, { error: message });
  sendHtml(
    res,
    status,
    `<!doctype html><meta charset="utf-8"><title>${status}</title><p>${escapeHtml(message)}</p>`,
  );
}
