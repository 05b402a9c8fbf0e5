/**
 * One call that picks where queues live (see backend-choice.ts for the order: explicit options,
 * then `BULLMQ_ITERATION_REDIS_URL` / `BULLMQ_ITERATION_DATABASE_URL`, then the generic
 * `REDIS_URL` / `DATABASE_URL` only when opted in, else the embedded PGlite in this process).
 *
 * It checks the server answers before returning (failing fast with the address tried), runs
 * BullMQ's PostgreSQL migrations unless told not to, and hands out Queues and IterationWorkers
 * already bound to it.
 */
import type { QueueOptions } from 'bullmq';
import { createPostgresBackend, Queue, runMigrations } from 'bullmq';
import type { Cluster } from 'ioredis';
import { Redis } from 'ioredis';
import pg from 'pg';

import { chooseBackend } from './backend-choice.js';
import { CLUSTER_PREFIX, requireClusterPrefix } from './backends/redis-cluster.js';
import { clusterConnection, pingCluster } from './connect-cluster.js';
import { authRefusal, BackendAuthError } from './connect-errors.js';
import type { AnyIterationJob } from './define-job.js';
import { createEmbeddedBackend, startEmbeddedPostgres } from './embedded/pglite-server.js';
import type { RedisUrlOptions } from './redis-url.js';
import {
  isRedisClusterUrl,
  redactUrl,
  redisClusterOptionsFromUrl,
  redisOptionsFromUrl,
} from './redis-url.js';
import type { IterationWorkerOptions } from './worker.js';
import { IterationWorker } from './worker.js';

export type BackendKind = 'redis' | 'postgres' | 'embedded';

export interface ConnectOptions {
  /**
   * Redis URL; wins over every environment variable. Several comma-separated URLs name the nodes
   * of a Redis Cluster (`redis://10.0.0.1:7000,redis://10.0.0.2:7000`): queues and workers then
   * share one ioredis `Cluster` and default to the hash-tagged prefix `{bull}`.
   * @defaultValue env.BULLMQ_ITERATION_REDIS_URL
   */
  readonly redisUrl?: string | undefined;
  /** PostgreSQL URL; wins over every environment variable. @defaultValue env.BULLMQ_ITERATION_DATABASE_URL */
  readonly databaseUrl?: string | undefined;
  /** Where the embedded database keeps its files; in memory when omitted. */
  readonly embeddedDataDir?: string | undefined;
  /** Environment to read. @defaultValue process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Also read the generic `REDIS_URL`, then `DATABASE_URL`, after the library's own variables.
   * @defaultValue env.BULLMQ_ITERATION_USE_GENERIC_URLS is `1`/`true`, else false
   */
  readonly useGenericUrls?: boolean | undefined;
  /**
   * On PostgreSQL, run BullMQ's migrations (idempotent, advisory-locked) before returning. Turn it
   * off in read-only tools; a worker's process is the place to migrate. @defaultValue true
   */
  readonly migrate?: boolean;
  /** How long to wait for the server to answer. @defaultValue 5_000 */
  readonly connectTimeoutMs?: number;
}

/** Redis options, a PostgreSQL URL, or the shared ioredis `Cluster` of a cluster URL list. */
type QueueConnection = RedisUrlOptions | string | Cluster;

export interface Connection {
  readonly kind: BackendKind;
  /** Where it points, without credentials, for logs and messages. */
  readonly description: string;
  /** What chose this backend: `BULLMQ_ITERATION_REDIS_URL`, `the databaseUrl option`, … */
  readonly selectedBy: string;
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
  /** Stops the embedded database, if any, or closes the shared `Cluster`. Close queues and workers first. */
  close(): Promise<void>;
}

/**
 * Connects to Redis or PostgreSQL, or starts the embedded database, as chosen by the options and
 * the environment (`BULLMQ_ITERATION_REDIS_URL`, `BULLMQ_ITERATION_DATABASE_URL`).
 *
 * @example
 * ```ts
 * const backend = await connect(); // or connect({ databaseUrl: process.env.QUEUE_DATABASE_URL })
 * console.log(`queues on ${backend.description} (from ${backend.selectedBy})`);
 * const queue = backend.queue('maintenance');
 * const worker = backend.worker('maintenance', [backfillUsers]);
 * ```
 */
export async function connect(options: ConnectOptions = {}): Promise<Connection> {
  const env = options.env ?? process.env;
  const timeoutMs = options.connectTimeoutMs ?? 5_000;
  const choice = chooseBackend(
    {
      redisUrl: options.redisUrl,
      databaseUrl: options.databaseUrl,
      names: { redisUrl: 'the redisUrl option', databaseUrl: 'the databaseUrl option' },
      useGenericUrls: options.useGenericUrls,
    },
    env,
  );
  if (choice.kind === 'redis' && !isRedisClusterUrl(choice.url)) {
    const connection = redisOptionsFromUrl(choice.url, choice.from);
    const description = redactUrl(choice.url);
    const { cluster } = await pingRedis(connection, description, timeoutMs);
    // One node of a cluster (what managed clusters often hand out): connect as a cluster, from
    // that node, rather than as a single server whose multi-key scripts would fail with CROSSSLOT.
    if (!cluster)
      return bind('redis', description, choice.from, connection, undefined, undefined, noop);
  }
  if (choice.kind === 'redis') {
    const options = redisClusterOptionsFromUrl(choice.url, choice.from);
    const description = `Redis Cluster ${redactUrl(choice.url)}${isRedisClusterUrl(choice.url) ? '' : ' (a cluster node: its cluster is used)'}`;
    await pingCluster(options, description, timeoutMs);
    const cluster = clusterConnection(options);
    const close = async () => {
      await cluster.quit().catch(() => cluster.disconnect());
    };
    return bind('redis', description, choice.from, cluster, undefined, undefined, close);
  }
  if (choice.kind === 'postgres') {
    const description = redactUrl(choice.url);
    await reachPostgres(choice.url, description, timeoutMs, options.migrate ?? true);
    return bind(
      'postgres',
      description,
      choice.from,
      choice.url,
      createPostgresBackend,
      choice.url,
      noop,
    );
  }
  const embedded = await startEmbeddedPostgres(
    options.embeddedDataDir === undefined ? {} : { dataDir: options.embeddedDataDir },
  );
  return bind(
    'embedded',
    `embedded PGlite at ${redactUrl(embedded.url)}`,
    choice.from,
    embedded.url,
    createEmbeddedBackend,
    embedded.url,
    () => embedded.close(),
  );
}

const noop = async (): Promise<void> => {};

/** The `code` of the error `connect({ migrate: false })` throws when BullMQ's tables are missing. */
export const NO_SCHEMA = 'BULLMQ_ITERATION_NO_SCHEMA';

/**
 * PGlite does not deliver NOTIFY to the connection that LISTENs, so an idle worker there finds a
 * new job only when its long poll (`drainDelay`, 5 s by default) runs out; poll more often.
 */
const EMBEDDED_WORKER_DEFAULTS = { drainDelay: 0.5 } as const;

function bind(
  kind: BackendKind,
  description: string,
  selectedBy: string,
  connection: QueueConnection,
  backendFactory: typeof createPostgresBackend | undefined,
  databaseUrl: string | undefined,
  close: () => Promise<void>,
): Connection {
  // BullMQ's default prefix `bull` cannot work on a cluster (see backends/redis-cluster.ts).
  const defaults =
    typeof connection === 'object' && 'isCluster' in connection && connection.isCluster
      ? { prefix: CLUSTER_PREFIX }
      : {};
  return {
    kind,
    description,
    selectedBy,
    databaseUrl,
    connection,
    backendFactory,
    queue: (name, queueOptions = {}) => {
      const options = { ...defaults, ...queueOptions, connection };
      requireClusterPrefix(connection, options.prefix, name, `Queue "${name}"`);
      return new Queue(name, options as QueueOptions, backendFactory as never);
    },
    worker: (name, jobs, workerOptions = {}) =>
      new IterationWorker(
        name,
        jobs,
        {
          ...(kind === 'embedded' ? EMBEDDED_WORKER_DEFAULTS : {}),
          ...defaults,
          ...workerOptions,
          connection,
        } as IterationWorkerOptions,
        backendFactory as never,
      ),
    close,
  };
}

/** Checks the server answers; says whether it is a node of a Redis Cluster. */
async function pingRedis(
  options: RedisUrlOptions,
  where: string,
  timeoutMs: number,
): Promise<{ cluster: boolean }> {
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
    const info = await Promise.race([
      client.connect().then(async () => {
        await client.ping();
        return client.info('cluster');
      }),
      silent,
    ]);
    return { cluster: /^cluster_enabled:1/m.test(info) };
  } catch (error) {
    const cause = reason ?? error;
    const refused = authRefusal('redis', cause);
    if (refused !== undefined) throw new BackendAuthError('redis', where, refused, cause);
    throw new Error(`Cannot reach Redis at ${where}: ${errorText(cause)}`, { cause });
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}

async function reachPostgres(
  url: string,
  where: string,
  timeoutMs: number,
  migrate: boolean,
): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    const refused = authRefusal('postgres', error);
    if (refused !== undefined) throw new BackendAuthError('postgres', where, refused, error);
    throw new Error(`Cannot reach PostgreSQL at ${where}: ${errorText(error)}`, { cause: error });
  }
  try {
    // Idempotent and advisory-locked: safe from every process at every start.
    if (migrate) await runMigrations(client);
    else await requireSchema(client, where);
  } finally {
    await client.end();
  }
}

/**
 * Without migrations, a database that never saw a worker has no queue tables; say so instead of
 * letting the first query fail with `relation "bullmq.job" does not exist`.
 */
async function requireSchema(client: pg.Client, where: string): Promise<void> {
  const { rows } = await client.query<{ table: string | null }>(
    "SELECT to_regclass('bullmq.job')::text AS table",
  );
  if (rows[0]?.table == null) {
    throw Object.assign(
      new Error(
        `PostgreSQL at ${where} has no BullMQ schema yet, and this command does not create one. ` +
          'Start a worker on it, or run `bullmq-iteration migrate` (connect() migrates by default).',
      ),
      { code: NO_SCHEMA },
    );
  }
}

function errorText(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map((e: unknown) => errorText(e)).join('; ');
  }
  return error instanceof Error ? error.message || error.name : String(error);
}
