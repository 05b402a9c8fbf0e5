/**
 * One call that picks where queues live (see backend-choice.ts for the order: explicit options,
 * then `BULLMQ_ITERATION_REDIS_URL` / `BULLMQ_ITERATION_DATABASE_URL`, then the generic
 * `REDIS_URL` / `DATABASE_URL` only when opted in, else the embedded PGlite in this process).
 *
 * It checks the server answers before returning (failing fast with the address tried), runs
 * BullMQ's PostgreSQL migrations unless told not to, and hands out Queues and IterationWorkers
 * already bound to it.
 */
import type { QueueEventsOptions, QueueOptions } from 'bullmq';
import { createPostgresBackend, Queue, QueueEvents } from 'bullmq';
import type { Cluster } from 'ioredis';

import { chooseBackend } from './backend-choice.js';
import { CLUSTER_PREFIX, requireClusterPrefix } from './backends/redis-cluster.js';
import { clusterConnection, pingCluster } from './connect-cluster.js';
import { pingRedis, reachPostgres } from './connect-probe.js';
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

/**
 * What BullMQ's classes take as `connection` for this backend: Redis options, the shared ioredis
 * `Cluster` of a cluster, or a PostgreSQL pool config (`{ connectionString }`). It type-checks
 * where BullMQ's own classes expect a connection (`new QueueEvents(name, { connection })`); on
 * PostgreSQL pass `backendFactory` too, or use `queue()`, `worker()` and `queueEvents()`.
 */
export type QueueConnection = RedisUrlOptions | Cluster | { readonly connectionString: string };

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
  /** BullMQ QueueEvents on this backend (to follow jobs by events; `waitForRun` waits for a run). */
  queueEvents(name: string, options?: Omit<QueueEventsOptions, 'connection'>): QueueEvents;
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
      { connectionString: choice.url },
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
    { connectionString: embedded.url },
    createEmbeddedBackend,
    embedded.url,
    () => embedded.close(),
  );
}

const noop = async (): Promise<void> => {};

/**
 * PGlite does not deliver NOTIFY to the connection that LISTENs, so an idle worker there finds a
 * new job only when its long poll (`drainDelay`, 5 s by default) runs out; poll more often.
 */
const EMBEDDED_WORKER_DEFAULTS = { drainDelay: 0.5 } as const;
/** The same for QueueEvents, which wait for events in a long poll too. */
const EMBEDDED_EVENTS_DEFAULTS = { blockingTimeout: 500 } as const;

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
    queueEvents: (name, eventsOptions = {}) => {
      const options = {
        ...(kind === 'embedded' ? EMBEDDED_EVENTS_DEFAULTS : {}),
        ...defaults,
        ...eventsOptions,
        connection,
      };
      requireClusterPrefix(connection, options.prefix, name, `QueueEvents "${name}"`);
      return new QueueEvents(name, options as QueueEventsOptions, backendFactory as never);
    },
    close,
  };
}

export { NO_SCHEMA } from './connect-probe.js';
