/**
 * A small HTTP server for the dashboard handler, as `bullmq-iteration dashboard` runs it: it binds
 * to loopback unless told otherwise, and closes its idle keep-alive connections on `close` so the
 * process can leave at once.
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
  const server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DASHBOARD_SERVER_DEFAULTS.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
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
