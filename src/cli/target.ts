/**
 * Where a command works: the queue, and the backend that holds it. Flags win over the environment,
 * the environment over the embedded default, as with `connect()`:
 *
 *   --redis-url / --database-url  >  REDIS_URL / DATABASE_URL  >  embedded database in --data-dir
 */
import { resolve } from 'node:path';

import { optionalInteger } from './args.js';
import { usageError } from './exit-codes.js';

/** The options every command that talks to a backend accepts. */
export const TARGET_OPTIONS = {
  queue: { type: 'string', short: 'q' },
  'redis-url': { type: 'string' },
  'database-url': { type: 'string' },
  'data-dir': { type: 'string' },
  timeout: { type: 'string' },
} as const;

export const TARGET_HELP = `Queue and connection:
  -q, --queue <name>        queue to use (default: $BULLMQ_ITERATION_QUEUE, else "maintenance")
  --redis-url <url>         Redis, e.g. redis://localhost:6379/0 (default: $REDIS_URL)
  --database-url <url>      PostgreSQL, e.g. postgres://user:pass@host/db (default: $DATABASE_URL)
  --data-dir <dir>          embedded database directory, used when no URL is given
                            (default: $BULLMQ_ITERATION_DATA_DIR, else ./.bullmq-iteration)
  --timeout <ms>            longest wait for the server to answer, when connecting and for
                            the command's work (default: 10000)`;

export const DEFAULT_QUEUE = 'maintenance';
export const DEFAULT_TIMEOUT_MS = 10_000;

export type BackendSource =
  | { readonly kind: 'redis'; readonly url: string }
  | { readonly kind: 'postgres'; readonly url: string }
  | { readonly kind: 'embedded'; readonly dataDir: string };

export interface Target {
  readonly queueName: string;
  readonly source: BackendSource;
  readonly timeoutMs: number;
}

type TargetValues = {
  readonly queue?: string | undefined;
  readonly 'redis-url'?: string | undefined;
  readonly 'database-url'?: string | undefined;
  readonly 'data-dir'?: string | undefined;
  readonly timeout?: string | undefined;
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
  return { queueName, source: resolveSource(values, env, cwd), timeoutMs };
}

function resolveSource(
  values: TargetValues,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): BackendSource {
  if (values['redis-url'] !== undefined && values['database-url'] !== undefined) {
    throw usageError('Give --redis-url or --database-url, not both.');
  }
  const dataDirFlag = values['data-dir'];
  const fromFlags: BackendSource | undefined =
    values['redis-url'] !== undefined
      ? { kind: 'redis', url: checkUrl('--redis-url', values['redis-url'], REDIS_PROTOCOLS) }
      : values['database-url'] !== undefined
        ? {
            kind: 'postgres',
            url: checkUrl('--database-url', values['database-url'], PG_PROTOCOLS),
          }
        : undefined;
  const redisEnv = nonEmpty(env.REDIS_URL);
  const databaseEnv = nonEmpty(env.DATABASE_URL);
  const source: BackendSource =
    fromFlags ??
    (redisEnv !== undefined
      ? { kind: 'redis', url: checkUrl('REDIS_URL', redisEnv, REDIS_PROTOCOLS) }
      : databaseEnv !== undefined
        ? { kind: 'postgres', url: checkUrl('DATABASE_URL', databaseEnv, PG_PROTOCOLS) }
        : {
            kind: 'embedded',
            dataDir: resolve(
              cwd,
              dataDirFlag ?? nonEmpty(env.BULLMQ_ITERATION_DATA_DIR) ?? '.bullmq-iteration',
            ),
          });
  if (dataDirFlag !== undefined && source.kind !== 'embedded') {
    throw usageError(
      `--data-dir is for the embedded database, but this command uses ${source.kind === 'redis' ? 'Redis' : 'PostgreSQL'} ` +
        `(${fromFlags ? 'from a flag' : `from ${source.kind === 'redis' ? 'REDIS_URL' : 'DATABASE_URL'}`}). ` +
        'Drop --data-dir, or unset the URL (e.g. REDIS_URL= bullmq-iteration …).',
    );
  }
  return source;
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
  return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
