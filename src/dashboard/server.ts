/**
 * A small HTTP server for the dashboard handler, as `bullmq-iteration dashboard` runs it: it binds
 * to loopback unless told otherwise, and closes its idle keep-alive connections on `close` so the
 * process can leave at once.
 *
 * On loopback it also answers only requests addressed to a loopback name: a web page cannot then
 * read the dashboard through a domain of its own that it re-points at 127.0.0.1 (DNS rebinding),
 * which the same-origin checks alone would not notice, the forged origin being the page's own.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { DashboardHandler } from './handler.js';

export interface DashboardServerOptions {
  /** Interface to listen on; another than loopback exposes the pages to the network. @defaultValue '127.0.0.1' */
  readonly host?: string;
  /** TCP port; 0 picks a free one. @defaultValue 4000 */
  readonly port?: number;
}

export interface DashboardServer {
  /** `http://127.0.0.1:4000`, without a trailing slash. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export const DASHBOARD_SERVER_DEFAULTS = { host: '127.0.0.1', port: 4000 } as const;

export async function listenDashboard(
  handler: DashboardHandler,
  options: DashboardServerOptions = {},
): Promise<DashboardServer> {
  const host = options.host ?? DASHBOARD_SERVER_DEFAULTS.host;
  const loopback = isLoopbackAddress(host);
  let port = 0;
  const server = createServer((req, res) => {
    if (loopback && !isLoopbackHost(req.headers.host, port)) {
      res.statusCode = 421;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.end(`This dashboard answers only at 127.0.0.1:${port} or localhost:${port}.`);
      return;
    }
    handler(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DASHBOARD_SERVER_DEFAULTS.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Whether listening on `host` keeps the server to this machine. */
export function isLoopbackAddress(host: string): boolean {
  return LOOPBACK.has(host);
}

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

function isLoopbackHost(header: string | undefined, port: number): boolean {
  if (header === undefined) return false;
  const match = /^(.*?)(?::(\d+))?$/.exec(header.trim().toLowerCase());
  return match !== null && LOOPBACK_NAMES.has(match[1]!) && Number(match[2] ?? 80) === port;
}
