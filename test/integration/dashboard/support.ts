// Helpers for the dashboard tests: a dashboard server over a test queue (closed after the test),
// requests to it as a browser's page script would send them, and waiting for a run's status.
import type { DashboardHandler } from '../../../src/dashboard/handler.js';
import { listenDashboard } from '../../../src/dashboard/server.js';
import type { IterationRunInfo } from '../../../src/index.js';
import { eventually } from '../../support/iteration.js';
import { track } from '../../support/lifecycle.js';

/** Long enough for the token rule, and recognisable if it ever appeared in output. */
export const TOKEN = 'test-token-0123456789abcdef';

export const SCRIPT = '<script>alert(1)</script>';
export const BREAKOUT = '"><img src=x onerror=alert(2)>';
export const END_JSON = '</script><script>alert(3)</script>';

export interface Served {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves `handler` on a free loopback port; closed after the test. */
export async function serve(handler: DashboardHandler): Promise<Served> {
  const server = await listenDashboard(handler, { port: 0 });
  track(server, { name: 'dashboard server' });
  return server;
}

/** The CSRF token a page embeds, as the page script reads it. */
export function csrfOf(page: string): string {
  const match = /<meta name="csrf-token" content="([^"]+)"/.exec(page);
  if (!match) throw new Error(`no csrf-token meta tag in the page:\n${page.slice(0, 500)}`);
  return match[1]!;
}

export interface PostOptions {
  readonly token?: string;
  readonly csrf?: string;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

/** A control request as the page sends it; missing pieces are left out. */
export async function post(
  url: string,
  options: PostOptions = {},
): Promise<{ status: number; body: { run?: IterationRunInfo; error?: string } }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.csrf !== undefined) headers['x-csrf-token'] = options.csrf;
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...headers, ...options.headers },
    body: JSON.stringify(options.body ?? {}),
  });
  return { status: response.status, body: (await response.json()) as never };
}

export async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** Polls the run's JSON until `accept` takes it. */
export async function runUntil(
  base: string,
  jobId: string,
  accept: (run: IterationRunInfo) => boolean,
  what: string,
): Promise<IterationRunInfo> {
  return eventually(
    async () => {
      const { run } = await getJson<{ run: IterationRunInfo }>(
        `${base}/api/runs/${encodeURIComponent(jobId)}`,
      );
      return accept(run) ? run : undefined;
    },
    what,
    45_000,
  );
}
