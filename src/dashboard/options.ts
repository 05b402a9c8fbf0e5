/**
 * The options of the dashboard's request handler: documented where typed, with defaults, and
 * resolved once into `ResolvedDashboardOptions` so the request path never re-checks them.
 */
import type { IncomingMessage } from 'node:http';

import type { ControlQueue } from '../control/target.js';
import type { AnyIterationJob } from '../define-job.js';

/** What a request wants: to look at runs, or to pause, resume or cancel one. */
export type DashboardAccess = 'read' | 'control';

/**
 * Decides whether a request may proceed, for a handler mounted behind the application's own
 * authentication (a session cookie, a proxy header). Return `true` to allow it.
 */
export type DashboardAuthorize = (
  req: IncomingMessage,
  access: DashboardAccess,
) => boolean | Promise<boolean>;

/** What the dashboard needs of a queue: BullMQ's `Queue`, on any backend, fits. */
export type DashboardQueue = ControlQueue & {
  getJobLogs(
    jobId: string,
    start?: number,
    end?: number,
    asc?: boolean,
  ): Promise<{ logs: string[]; count: number }>;
};

export interface DashboardOptions {
  /** The queue whose iteration runs the dashboard shows and controls. */
  readonly queue: DashboardQueue;
  /**
   * The jobs a worker module defines: listed on the Jobs page, and their runs are shown before
   * they first start. @defaultValue none
   */
  readonly jobs?: readonly AnyIterationJob[];
  /**
   * Access token that control actions must carry (`Authorization: Bearer <token>`); at least 16
   * characters. Give this, `authorize`, or `readOnly: true`. @defaultValue none
   */
  readonly token?: string;
  /**
   * Called for every request with the access it needs; when given, it decides instead of the
   * token (reads are otherwise open, control needs the token). @defaultValue none
   */
  readonly authorize?: DashboardAuthorize;
  /** Shows runs without any control: the buttons are gone and control requests get 403. @defaultValue false */
  readonly readOnly?: boolean;
  /**
   * The path the handler is mounted at, e.g. `/ops/iterations`. Express's `app.use(path, …)` is
   * detected (`req.baseUrl`); other servers that pass the full URL need it. @defaultValue ''
   */
  readonly basePath?: string;
  /** How often an open page refreshes, in milliseconds. @defaultValue 1_000 */
  readonly refreshMs?: number;
  /** At most this many jobs per BullMQ state on the runs page, newest first. @defaultValue 100 */
  readonly limit?: number;
  /** Shown in the header to say where the runs live (`Redis`); never a URL. @defaultValue none */
  readonly backendLabel?: string;
}

export interface ResolvedDashboardOptions {
  readonly queueName: string;
  readonly jobs: readonly AnyIterationJob[];
  readonly token: string | undefined;
  readonly authorize: DashboardAuthorize | undefined;
  readonly readOnly: boolean;
  readonly basePath: string;
  readonly refreshMs: number;
  readonly limit: number;
  readonly backendLabel: string | undefined;
}

export const DASHBOARD_DEFAULTS = {
  readOnly: false,
  basePath: '',
  refreshMs: 1_000,
  limit: 100,
} as const satisfies Partial<DashboardOptions>;

/** Checks and defaults the options once; errors name the option, the value and the fix. */
export function resolveDashboardOptions(
  options: Omit<DashboardOptions, 'queue'>,
  queueName: string,
): ResolvedDashboardOptions {
  const { token, authorize } = options;
  if (token !== undefined && (typeof token !== 'string' || token.length < 16)) {
    throw new TypeError(
      `Expected \`token\` to be a string of at least 16 characters, got ${describe(token)}. ` +
        "Generate one with crypto.randomBytes(24).toString('base64url').",
    );
  }
  if (authorize !== undefined && typeof authorize !== 'function') {
    throw new TypeError(`Expected \`authorize\` to be a function, got ${describe(authorize)}.`);
  }
  const readOnly = options.readOnly ?? DASHBOARD_DEFAULTS.readOnly;
  if (!readOnly && token === undefined && authorize === undefined) {
    throw new TypeError(
      `The dashboard of queue "${queueName}" has controls but no way to authorize them: give ` +
        '`token` (a secret of 16 characters or more), `authorize` (your own check), or `readOnly: true`.',
    );
  }
  const refreshMs = options.refreshMs ?? DASHBOARD_DEFAULTS.refreshMs;
  if (!Number.isSafeInteger(refreshMs) || refreshMs < 200) {
    throw new TypeError(
      `Expected \`refreshMs\` to be a whole number of milliseconds ≥ 200, got ${describe(refreshMs)}.`,
    );
  }
  const limit = options.limit ?? DASHBOARD_DEFAULTS.limit;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new TypeError(`Expected \`limit\` to be a whole number ≥ 1, got ${describe(limit)}.`);
  }
  return {
    queueName,
    jobs: options.jobs ?? [],
    token,
    authorize,
    readOnly,
    basePath: normalizeBasePath(options.basePath ?? DASHBOARD_DEFAULTS.basePath),
    refreshMs,
    limit,
    backendLabel: options.backendLabel,
  };
}

function normalizeBasePath(path: string): string {
  if (typeof path !== 'string' || (path !== '' && !path.startsWith('/')) || /[?#]/.test(path)) {
    throw new TypeError(
      `Expected \`basePath\` to be '' or a path starting with "/", got ${describe(path)}.`,
    );
  }
  return path.replace(/\/+$/, '');
}

function describe(value: unknown): string {
  return typeof value === 'string'
    ? `a string of ${value.length} characters`
    : `\`${String(value)}\` (${typeof value})`;
}

/** The queue option, checked before anything else reads it. */
export function checkQueue(queue: unknown): DashboardQueue {
  const q = queue as Partial<DashboardQueue> | undefined;
  if (
    q === undefined ||
    q === null ||
    typeof q.getJob !== 'function' ||
    typeof q.getJobLogs !== 'function'
  ) {
    throw new TypeError(
      `createDashboardHandler needs \`queue\`: a BullMQ Queue, e.g. connect().queue('maintenance'); got ${describe(queue)}.`,
    );
  }
  return q as DashboardQueue;
}
