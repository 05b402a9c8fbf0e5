/**
 * One call that picks where queues live, from the environment:
 *
 * | `REDIS_URL` | `DATABASE_URL` | backend                                          |
 * |-------------|----------------|--------------------------------------------------|
 * | set         | any            | Redis                                            |
 * | unset       | set            | PostgreSQL (BullMQ's PostgreSQL backend)         |
 * | unset       | unset          | embedded PGlite, in this process (demo, local)   |
 *
 * It checks the server answers before returning (failing fast with the address tried) and hands
 * out Queues and IterationWorkers already bound to it.
 */
import type { QueueOptions } from 'bullmq';
import { createPostgresBackend, Queue, runMigrations } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';

import type { AnyIterationJob } from './define-job.js';
import { createEmbeddedBackend, startEmbeddedPostgres } from './embedded/pglite-server.js';
import type { IterationWorkerOptions } from './worker.js';
import { IterationWorker } from './worker.js';

export type BackendKind = 'redis' | 'postgres' | 'embedded';

export interface ConnectOptions {
  /** Redis URL; defaults to `env.REDIS_URL`. */
  readonly redisUrl?: string | undefined;
  /** PostgreSQL URL; defaults to `env.DATABASE_URL`. */
  readonly databaseUrl?: string | undefined;
  /** Where the embedded database keeps its files; in memory when omitted. */
  readonly embeddedDataDir?: string | undefined;
  /** Environment to read. @defaultValue process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** How long to wait for the server to answer. @defaultValue 5_000 */
  readonly connectTimeoutMs?: number;
}

type QueueConnection = RedisUrlOptions | string;

export interface Connection {
  readonly kind: BackendKind;
  /** Where it points, without credentials, for logs and messages. */
  readonly description: string;
  /** For PostgreSQL and the embedded database: the `postgres://` URL. */
  readonly databaseUrl: string | undefined;
  readonly connection: QueueConnection;
  readonly backendFactory: typeof createPostgresBackend | undefined;
  /** A BullMQ Queue on this backend. */
  queue(name: string, options?: Omit<QueueOptions, 'connection'>): Queue;
  /** An IterationWorker on this backend. */
  worker(
    name: string,
    jobs: readonly AnyIterationJob[],
    options?: Omit<IterationWorkerOptions, 'connection'>,
  ): IterationWorker;
  /** Stops the embedded database, if any. Close queues and workers first. */
  close(): Promise<void>;
}

/**
 * Connects to Redis (`REDIS_URL`), PostgreSQL (`DATABASE_URL`) or, when neither is set, starts the
 * embedded database.
 *
 * @example
 * ```ts
 * const backend = await connect();
 * const queue = backend.queue('maintenance');
 * const worker = backend.worker('maintenance', [backfillUsers]);
 * ```
 */
export async function connect(options: ConnectOptions = {}): Promise<Connection> {
  const env = options.env ?? process.env;
  const timeoutMs = options.connectTimeoutMs ?? 5_000;
  const redisUrl = options.redisUrl ?? nonEmpty(env.REDIS_URL);
  const databaseUrl = options.databaseUrl ?? nonEmpty(env.DATABASE_URL);
  if (redisUrl !== undefined) {
    const connection = redisOptionsFromUrl(redisUrl);
    const description = redactUrl(redisUrl);
    await pingRedis(connection, description, timeoutMs);
    return bind('redis', description, connection, undefined, undefined, async () => {});
  }
  if (databaseUrl !== undefined) {
    const description = redactUrl(databaseUrl);
    await migratePostgres(databaseUrl, description, timeoutMs);
    return bind(
      'postgres',
      description,
      databaseUrl,
      createPostgresBackend,
      databaseUrl,
      async () => {},
    );
  }
  const embedded = await startEmbeddedPostgres(
    options.embeddedDataDir === undefined ? {} : { dataDir: options.embeddedDataDir },
  );
  return bind(
    'embedded',
    `embedded PGlite at ${redactUrl(embedded.url)}`,
    embedded.url,
    createEmbeddedBackend,
    embedded.url,
    () => embedded.close(),
  );
}

/**
 * PGlite does not deliver NOTIFY to the connection that LISTENs, so an idle worker there finds a
 * new job only when its long poll (`drainDelay`, 5 s by default) runs out; poll more often.
 */
const EMBEDDED_WORKER_DEFAULTS = { drainDelay: 0.5 } as const;

function bind(
  kind: BackendKind,
  description: string,
  connection: QueueConnection,
  backendFactory: typeof createPostgresBackend | undefined,
  databaseUrl: string | undefined,
  close: () => Promise<void>,
): Connection {
  return {
    kind,
    description,
    databaseUrl,
    connection,
    backendFactory,
    queue: (name, queueOptions = {}) =>
      new Queue(name, { ...queueOptions, connection } as QueueOptions, backendFactory as never),
    worker: (name, jobs, workerOptions = {}) =>
      new IterationWorker(
        name,
        jobs,
        {
          ...(kind === 'embedded' ? EMBEDDED_WORKER_DEFAULTS : {}),
          ...workerOptions,
          connection,
        } as IterationWorkerOptions,
        backendFactory as never,
      ),
    close,
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** ioredis options from a `redis://` or `rediss://` URL, ready for BullMQ workers. */
/**
 * Connection options read from a Redis URL: accepted as they are by BullMQ's classes and by
 * ioredis (every field is set or absent, never `undefined`).
 */
export interface RedisUrlOptions {
  readonly host: string;
  readonly port: number;
  readonly username?: string;
  readonly password?: string;
  readonly db?: number;
  readonly tls?: Record<string, never>;
  readonly maxRetriesPerRequest: null;
}

export function redisOptionsFromUrl(url: string): RedisUrlOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(
      `REDIS_URL is not a valid URL: "${redactUrl(url)}". Expected redis://host:6379/0`,
    );
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new TypeError(
      `REDIS_URL must start with redis:// or rediss://, got "${parsed.protocol}//…". Expected redis://host:6379/0`,
    );
  }
  const db = parsed.pathname.replace(/^\//, '');
  return {
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(db !== '' ? { db: Number(db) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    // BullMQ workers block on Redis; they need unlimited retries per request.
    maxRetriesPerRequest: null,
  };
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

async function pingRedis(
  options: RedisUrlOptions,
  where: string,
  timeoutMs: number,
): Promise<void> {
  const client = new Redis({
    ...options,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // ioredis rejects connect() with a bare "Connection is closed."; the reason is in the event.
  let reason: unknown;
  client.on('error', (error) => (reason ??= error));
  // ioredis's connectTimeout ends once TCP connects: a peer that accepts and never answers (a
  // stuck server, a proxy, another protocol) would leave the ready check waiting forever.
  let timer: NodeJS.Timeout | undefined;
  const silent = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([client.connect().then(() => client.ping()), silent]);
  } catch (error) {
    const cause = reason ?? error;
    throw new Error(`Cannot reach Redis at ${where}: ${errorText(cause)}`, { cause });
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}

async function migratePostgres(url: string, where: string, timeoutMs: number): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`Cannot reach PostgreSQL at ${where}: ${errorText(error)}`, { cause: error });
  }
  try {
    // Idempotent and advisory-locked: safe from every process at every start.
    await runMigrations(client);
  } finally {
    await client.end();
  }
}

function errorText(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map((e: unknown) => errorText(e)).join('; ');
  }
  return error instanceof Error ? error.message || error.name : String(error);
}
