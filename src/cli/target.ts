/**
 * Where a command works: the queue, and the backend that holds it. Flags win over the environment,
 * the environment over the embedded default, as with `connect()` (see backend-choice.ts):
 *
 *   --redis-url / --database-url  >  BULLMQ_ITERATION_REDIS_URL / BULLMQ_ITERATION_DATABASE_URL
 *   >  REDIS_URL / DATABASE_URL (only with BULLMQ_ITERATION_USE_GENERIC_URLS=1)
 *   >  embedded database in --data-dir
 */
import { resolve } from 'node:path';

import { chooseBackend, nonEmpty } from '../backend-choice.js';
import { optionalInteger } from './args.js';
import { usageError } from './exit-codes.js';

/** The options every command that talks to a backend accepts. */
export const TARGET_OPTIONS = {
  queue: { type: 'string', short: 'q' },
  'redis-url': { type: 'string' },
  'database-url': { type: 'string' },
  'data-dir': { type: 'string' },
  timeout: { type: 'string' },
  verbose: { type: 'boolean' },
} as const;

export const TARGET_HELP = `Queue and connection:
  -q, --queue <name>        queue to use (default: $BULLMQ_ITERATION_QUEUE, else "maintenance")
  --redis-url <url>         Redis, e.g. redis://localhost:6379/0; a Redis Cluster as
                            comma-separated node URLs, redis://h1:7000,redis://h2:7000
                            (default: $BULLMQ_ITERATION_REDIS_URL)
  --database-url <url>      PostgreSQL, e.g. postgres://user:pass@host/db
                            (default: $BULLMQ_ITERATION_DATABASE_URL)
  --data-dir <dir>          embedded database directory, used when no URL is given
                            (default: $BULLMQ_ITERATION_DATA_DIR, else ./.bullmq-iteration)
  --timeout <ms>            longest wait for the server to answer, when connecting and for
                            the command's work (default: 10000)
  --verbose                 print the backend, the setting that chose it and the queue first
$REDIS_URL and $DATABASE_URL are read (after the variables above) only with
BULLMQ_ITERATION_USE_GENERIC_URLS=1: they usually belong to the app, not to its queues.`;

export const DEFAULT_QUEUE = 'maintenance';
export const DEFAULT_TIMEOUT_MS = 10_000;

/** The backend and, in `from`, the flag or variable that chose it (for `--verbose`). */
export type BackendSource =
  | { readonly kind: 'redis'; readonly url: string; readonly from: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly from: string }
  | { readonly kind: 'embedded'; readonly dataDir: string; readonly from: string };

export interface Target {
  readonly queueName: string;
  readonly source: BackendSource;
  readonly timeoutMs: number;
  /** `--verbose`: say which backend and setting before working. */
  readonly verbose: boolean;
}

type TargetValues = {
  readonly queue?: string | undefined;
  readonly 'redis-url'?: string | undefined;
  readonly 'database-url'?: string | undefined;
  readonly 'data-dir'?: string | undefined;
  readonly timeout?: string | undefined;
  readonly verbose?: boolean | undefined;
};

/** Resolves the target options against the environment; throws usage errors. */
export function resolveTarget(
  values: TargetValues,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): Target {
  const queueName = values.queue ?? nonEmpty(env.BULLMQ_ITERATION_QUEUE) ?? DEFAULT_QUEUE;
  if (queueName.trim() === '' || queueName.includes(':')) {
    throw usageError(`--queue expects a queue name without ":", got "${queueName}".`);
  }
  const timeoutMs =
    optionalInteger('--timeout', values.timeout, { min: 1, unit: 'milliseconds' }) ??
    DEFAULT_TIMEOUT_MS;
  return {
    queueName,
    source: resolveSource(values, env, cwd),
    timeoutMs,
    verbose: values.verbose === true,
  };
}

function resolveSource(
  values: TargetValues,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): BackendSource {
  let choice;
  try {
    choice = chooseBackend(
      {
        redisUrl: values['redis-url'],
        databaseUrl: values['database-url'],
        names: { redisUrl: '--redis-url', databaseUrl: '--database-url' },
      },
      env,
    );
  } catch (error) {
    throw usageError((error as Error).message);
  }
  const dataDirFlag = values['data-dir'];
  if (choice.kind === 'embedded') {
    const dataDir = resolve(
      cwd,
      dataDirFlag ?? nonEmpty(env.BULLMQ_ITERATION_DATA_DIR) ?? '.bullmq-iteration',
    );
    return { kind: 'embedded', dataDir, from: choice.from };
  }
  if (dataDirFlag !== undefined) {
    throw usageError(
      `--data-dir is for the embedded database, but this command uses ${choice.kind === 'redis' ? 'Redis' : 'PostgreSQL'} ` +
        `(from ${choice.from}). Drop --data-dir, or ${choice.from.startsWith('--') ? 'drop' : 'unset'} ${choice.from}.`,
    );
  }
  const protocols = choice.kind === 'redis' ? REDIS_PROTOCOLS : PG_PROTOCOLS;
  // Several comma-separated Redis URLs name the nodes of a Redis Cluster: each must be a URL.
  const urls = choice.kind === 'redis' ? choice.url.split(',') : [choice.url];
  for (const url of urls) checkUrl(choice.from, url.trim(), protocols);
  return choice;
}

/** The `--verbose` line: backend, the setting that chose it, and the queue. */
export function describeTarget(target: Target): string {
  return `backend: ${describeSource(target.source)} (from ${target.source.from}); queue "${target.queueName}"`;
}

/** Where a backend is, without credentials: `Redis at redis://cache:6379`. */
export function describeSource(source: BackendSource): string {
  return source.kind === 'embedded'
    ? `embedded database in ${source.dataDir}`
    : `${source.kind === 'redis' ? 'Redis' : 'PostgreSQL'} at ${maskPassword(source.url)}`;
}

const REDIS_PROTOCOLS = ['redis:', 'rediss:'];
const PG_PROTOCOLS = ['postgres:', 'postgresql:'];

function checkUrl(where: string, url: string, protocols: readonly string[]): string {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw usageError(
      `${where} is not a valid URL: "${maskPassword(url)}".${urlExample(protocols)}`,
    );
  }
  if (!protocols.includes(protocol)) {
    throw usageError(
      `${where} must start with ${protocols.map((p) => `${p}//`).join(' or ')}, got "${protocol}//…".${urlExample(protocols)}`,
    );
  }
  return url;
}

function urlExample(protocols: readonly string[]): string {
  return protocols[0] === 'redis:'
    ? ' Expected e.g. redis://localhost:6379/0'
    : ' Expected e.g. postgres://user:password@localhost:5432/app';
}

/** Messages may be pasted into tickets: never repeat a password, even from a malformed URL. */
function maskPassword(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@/]*@/g, '//$1:***@');
}
