/**
 * The options of the dashboard's request handler: documented where typed, with defaults, and
 * resolved once into `ResolvedDashboardOptions` so the request path never re-checks them.
 */
import type { IncomingMessage } from 'node:http';

import type { ReplayQueue } from '../control/retry-failed.js';
import type { AnyIterationJob } from '../define-job.js';

/** What a request wants: to look at runs, or to act on them (start, pause, retry, …). */
export type DashboardAccess = 'read' | 'control';

/**
 * What an `authorize` hook answers: `false` refuses; `true` allows; a string (or
 * `{ principal }`) allows and names who is acting, for the runs' audit trail.
 */
export type DashboardVerdict = boolean | string | { readonly principal: string };

/**
 * Decides whether a request may proceed, for a handler mounted behind the application's own
 * authentication (a session cookie, a proxy header). Return `true` to allow it, or the user's
 * name (`'ada@example.com'`) to allow it and record that name in the audit trail of what it does.
 */
export type DashboardAuthorize = (
  req: IncomingMessage,
  access: DashboardAccess,
) => DashboardVerdict | Promise<DashboardVerdict>;

/** What the dashboard needs of a queue: BullMQ's `Queue`, on any backend, fits. */
export type DashboardQueue = ReplayQueue & {
  getJobLogs(
    jobId: string,
    start?: number,
    end?: number,
    asc?: boolean,
  ): Promise<{ logs: string[]; count: number }>;
};

/** Where the console keeps CSV files uploaded to start runs (see a job's `csvUpload`). */
export interface DashboardUploads {
  /**
   * A directory the dashboard may write to, and that the workers can read (the same machine or
   * a shared volume): each upload is a file of a name the dashboard chooses, kept until its run
   * ends.
   */
  readonly dir: string;
  /** Largest file accepted, in bytes. @defaultValue 10 MiB */
  readonly maxBytes?: number;
}

export interface DashboardOptions {
  /** The queue whose iteration runs the dashboard shows and controls (or give `queues`). */
  readonly queue?: DashboardQueue;
  /**
   * Several queues in one console, the first being the default for new runs; the runs page
   * lists them together with the queue as a filter. @defaultValue `[queue]`
   */
  readonly queues?: readonly DashboardQueue[];
  /** Lets operators upload CSV files to start runs of jobs with `csvUpload`. @defaultValue off */
  readonly uploads?: DashboardUploads;
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
  /** Runs per page on the runs page (the rest are on the next pages). @defaultValue 50 */
  readonly limit?: number;
  /** Shown in the header to say where the runs live (`Redis`); never a URL. @defaultValue none */
  readonly backendLabel?: string;
}

export interface ResolvedDashboardOptions {
  /** The default queue (the first). */
  readonly queueName: string;
  readonly uploads: { readonly dir: string; readonly maxBytes: number } | undefined;
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
  limit: 50,
  uploadMaxBytes: 10 * 1024 * 1024,
} as const;

/** Checks and defaults the options once; errors name the option, the value and the fix. */
export function resolveDashboardOptions(
  options: Omit<DashboardOptions, 'queue' | 'queues'>,
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
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1_000) {
    throw new TypeError(
      `Expected \`limit\` (runs per page) to be a whole number from 1 to 1000, got ${describe(limit)}.`,
    );
  }
  return {
    queueName,
    uploads: resolveUploads(options.uploads),
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

function resolveUploads(
  uploads: DashboardUploads | undefined,
): ResolvedDashboardOptions['uploads'] {
  if (uploads === undefined) return undefined;
  if (typeof uploads.dir !== 'string' || uploads.dir.trim() === '') {
    throw new TypeError(
      `Expected \`uploads.dir\` to be a directory path, got ${describe(uploads.dir)}. E.g. uploads: { dir: '/var/lib/iteration-uploads' }`,
    );
  }
  const maxBytes = uploads.maxBytes ?? DASHBOARD_DEFAULTS.uploadMaxBytes;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
    throw new TypeError(
      `Expected \`uploads.maxBytes\` to be a whole number of bytes ≥ 1, got ${describe(maxBytes)}.`,
    );
  }
  return { dir: uploads.dir, maxBytes };
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

/** The `queue` and `queues` options as one list, the default queue first; names must differ. */
export function checkQueues(options: Pick<DashboardOptions, 'queue' | 'queues'>): DashboardQueue[] {
  const given = [
    ...(options.queue === undefined ? [] : [options.queue]),
    ...(options.queues ?? []),
  ];
  if (given.length === 0) checkQueue(undefined);
  const queues = given.map(checkQueue);
  const names = new Set<string>();
  for (const queue of queues) {
    if (names.has(queue.name)) {
      throw new TypeError(
        `createDashboardHandler got queue "${queue.name}" twice: give each queue once, in \`queue\` or \`queues\`.`,
      );
    }
    names.add(queue.name);
  }
  return queues;
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
