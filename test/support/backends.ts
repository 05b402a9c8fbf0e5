// The backend matrix: every integration behaviour runs against Redis, PostgreSQL and the embedded
// PGlite default. Use it as `describe.each(backends)('$name', (b) => { ... })`. The core runtime
// and control behaviours also run on a Redis Cluster of three masters: `withCluster`.
import {
  createPostgresBackend,
  type IQueueBackend,
  type JobProgress,
  type PostgresConnectionOptions,
  type PostgresQueueBackend,
  type Processor,
  Queue,
  QueueEvents,
  type QueueEventsOptions,
  type QueueOptions,
  type RedisOptions,
  Worker,
  type WorkerOptions,
} from 'bullmq';
import { Cluster, Redis } from 'ioredis';
import pg from 'pg';

import { createEmbeddedBackend } from '../../src/embedded/pglite-server.js';
import { redisOptionsFromUrl } from '../../src/redis-url.js';
import { isTracked, track } from './lifecycle.js';
import { pgliteUrl, postgresUrl, redisClusterUrls, redisUrl } from './servers.js';

export type BackendName = 'redis' | 'redis-cluster' | 'postgres' | 'pglite';

// BullMQ's classes are invariant in their connection type (it appears in both argument and
// property positions), so no type but `any` is shared by the Redis and PostgreSQL variants.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyConnection = any;

/** A Worker on any backend; tests rarely care which backend class sits underneath. */
export type AnyWorker<DataType = unknown, ResultType = unknown> = Worker<
  DataType,
  ResultType,
  string,
  IQueueBackend,
  JobProgress,
  AnyConnection
>;
/** A Queue on any backend. */
export type AnyQueue<DataType = unknown, ResultType = unknown> = Queue<
  DataType,
  ResultType,
  string,
  DataType,
  ResultType,
  string,
  IQueueBackend,
  AnyConnection
>;
/** QueueEvents on any backend. */
export type AnyQueueEvents = QueueEvents<unknown, IQueueBackend, AnyConnection>;

interface BackendHelpers {
  /**
   * A BullMQ Queue on this backend. It is obliterated and closed after the test.
   *
   * @example
   * const queue = b.queue(uniqueQueueName('resume'));
   */
  queue<DataType = unknown, ResultType = unknown>(
    name: string,
    opts?: Omit<QueueOptions, 'connection'>,
  ): AnyQueue<DataType, ResultType>;
  /**
   * A BullMQ Worker on this backend. The test must close it; one left open fails the test.
   *
   * @example
   * const worker = b.worker(queue.name, async (job) => job.data.n * 2);
   * try { ... } finally { await worker.close(); }
   */
  worker<DataType = unknown, ResultType = unknown>(
    name: string,
    processor: Processor<DataType, ResultType>,
    opts?: Omit<WorkerOptions, 'connection'>,
  ): AnyWorker<DataType, ResultType>;
  /**
   * Worker options the helpers apply by default here; spread them into workers built without the
   * helpers (an IterationWorker). PGlite's socket server never passes a NOTIFY on to the client
   * that LISTENs, so an idle worker there sees a new job only when its long poll (`drainDelay`,
   * 5 s by default) runs out: tests on PGlite poll briefly instead.
   *
   * @example
   * new IterationWorker(name, jobs, { ...b.workerDefaults, connection: b.connection }, b.backendFactory);
   */
  readonly workerDefaults: Readonly<Pick<WorkerOptions, 'drainDelay' | 'prefix'>>;
  /** QueueEvents options the helpers apply by default here; same reason as `workerDefaults`. */
  readonly queueEventsDefaults: Readonly<Pick<QueueEventsOptions, 'blockingTimeout'>>;
  /** BullMQ QueueEvents on this backend, closed after the test. */
  queueEvents(name: string, opts?: Omit<QueueEventsOptions, 'connection'>): AnyQueueEvents;
}

export interface RedisBackendUnderTest extends BackendHelpers {
  readonly name: 'redis';
  /** BullMQ's key prefix the helpers use: the default, `bull`. */
  readonly prefix: 'bull';
  /** ioredis options for this run's server, `maxRetriesPerRequest: null` as BullMQ wants. */
  readonly connection: RedisOptions;
  /** Redis is BullMQ's default backend: no factory. */
  readonly backendFactory: undefined;
  /** A raw ioredis client on the same server, to inspect storage; closed after the test. */
  redis(): Redis;
}

export interface PostgresBackendUnderTest extends BackendHelpers {
  readonly name: 'postgres' | 'pglite';
  /** Connection URL of this run's server; BullMQ's schema is migrated. */
  readonly connection: string;
  readonly backendFactory: typeof createPostgresBackend;
  /**
   * Runs one query against the server, with `bullmq, public` as search path so BullMQ's tables
   * resolve unqualified on both servers. The pool is closed after the test.
   *
   * @example
   * const { rows } = await b.sql('SELECT state FROM job WHERE queue = $1', [queue.name]);
   */
  sql<Row extends pg.QueryResultRow = Record<string, unknown>>(
    text: string,
    params?: readonly unknown[],
  ): Promise<pg.QueryResult<Row>>;
}

export interface RedisClusterBackendUnderTest extends BackendHelpers {
  readonly name: 'redis-cluster';
  /**
   * BullMQ's key prefix the helpers use (also in `workerDefaults`): hash-tagged, so every key of
   * a queue lands in one slot, as BullMQ's and the library's Lua scripts need.
   */
  readonly prefix: '{bull}';
  /**
   * An ioredis `Cluster` on this run's three masters, shared by everything one test creates and
   * closed after it (BullMQ never closes a connection it was handed).
   */
  readonly connection: Cluster;
  readonly backendFactory: undefined;
  /** The same `Cluster` as `connection`, to inspect storage; closed after the test. */
  redis(): Cluster;
}

/** The backends of the main matrix. */
export type BackendUnderTest = RedisBackendUnderTest | PostgresBackendUnderTest;
/** A backend of the matrix or the Redis Cluster. */
export type AnyBackendUnderTest = BackendUnderTest | RedisClusterBackendUnderTest;

// Helpers are closures rather than methods so that `const { queue } = b` works too. The URLs are
// read lazily: they exist once the global setup has run, not when this module loads.
function redisBackend(): RedisBackendUnderTest {
  const connection = () => redisOptionsFromUrl(redisUrl());
  return {
    name: 'redis',
    prefix: 'bull',
    get connection() {
      return connection();
    },
    backendFactory: undefined,
    workerDefaults: {},
    queueEventsDefaults: {},
    queue: <D, R>(name: string, opts?: Omit<QueueOptions, 'connection'>) =>
      trackQueue(
        new Queue<D, R, string, D, R, string>(name, { ...opts, connection: connection() }),
      ),
    worker: (name, processor, opts) =>
      track(new Worker(name, processor, { ...opts, connection: connection() })),
    queueEvents: (name, opts) =>
      track(new QueueEvents(name, { ...opts, connection: connection() })),
    redis: () =>
      reusedWithinTest('redis', () => {
        const client = new Redis(connection());
        return track(client, { name: 'raw redis client', close: () => closeRedis(client) });
      }),
  };
}

/**
 * The Redis Cluster entry. Each test gets one `Cluster` client (its queues and workers share it;
 * BullMQ duplicates it for a worker's blocking connection), closed after the test.
 */
function clusterBackend_(): RedisClusterBackendUnderTest {
  const prefix = '{bull}';
  const cluster = () =>
    reusedWithinTest('redis cluster', () => {
      const client = new Cluster(
        redisClusterUrls().map((url) => {
          const { host, port } = redisOptionsFromUrl(url);
          return { host, port };
        }),
        // BullMQ workers block on Redis; they need unlimited retries per request.
        { redisOptions: { maxRetriesPerRequest: null } },
      );
      return track(client, { name: 'redis cluster client', close: () => closeRedis(client) });
    });
  const defaults = { prefix } as const;
  return {
    name: 'redis-cluster',
    prefix,
    get connection() {
      return cluster();
    },
    backendFactory: undefined,
    workerDefaults: defaults,
    queueEventsDefaults: {},
    queue: <D, R>(name: string, opts?: Omit<QueueOptions, 'connection'>) =>
      trackQueue(
        new Queue<D, R, string, D, R, string>(name, {
          ...defaults,
          ...opts,
          connection: cluster() as never,
        }),
      ),
    worker: (name, processor, opts) =>
      track(new Worker(name, processor, { ...defaults, ...opts, connection: cluster() as never })),
    queueEvents: (name, opts) =>
      track(new QueueEvents(name, { ...defaults, ...opts, connection: cluster() as never })),
    redis: () => cluster(),
  };
}

function postgresBackend(
  name: PostgresBackendUnderTest['name'],
  url: () => string,
): PostgresBackendUnderTest {
  // PGlite is tested as the embedded default ships: with its backend factory.
  const factory = name === 'pglite' ? createEmbeddedBackend : createPostgresBackend;
  const workerDefaults = name === 'pglite' ? { drainDelay: 0.2 } : {};
  const queueEventsDefaults = name === 'pglite' ? { blockingTimeout: 200 } : {};
  return {
    name,
    get connection() {
      return url();
    },
    backendFactory: factory,
    workerDefaults,
    queueEventsDefaults,
    queue: <D, R>(queueName: string, opts?: Omit<QueueOptions, 'connection'>) =>
      trackQueue(
        new Queue<D, R, string, D, R, string, PostgresQueueBackend, PostgresConnectionOptions>(
          queueName,
          { ...opts, connection: url() },
          factory,
        ),
      ),
    worker: (queueName, processor, opts) =>
      track(
        new Worker(
          queueName,
          processor,
          { ...workerDefaults, ...opts, connection: url() },
          factory,
        ),
      ),
    queueEvents: (queueName, opts) =>
      track(
        new QueueEvents(queueName, { ...queueEventsDefaults, ...opts, connection: url() }, factory),
      ),
    sql: (text, params) => {
      const pool = reusedWithinTest(`${name} pool`, () => {
        const created = new pg.Pool({
          connectionString: url(),
          max: 2,
          // On PGlite every client shares one session whose search_path the global setup set;
          // a startup option there would be ignored anyway.
          ...(name === 'postgres' ? { options: '-c search_path=bullmq,public' } : {}),
        });
        // An idle client dying (server stopped) must not crash the run.
        created.on('error', () => {});
        return track(created, { name: `${name} sql pool` });
      });
      return pool.query(text, params ? [...params] : undefined);
    },
  };
}

/** Every backend the integration suite runs against. */
export const backends: readonly BackendUnderTest[] = [
  redisBackend(),
  postgresBackend('postgres', postgresUrl),
  postgresBackend('pglite', pgliteUrl),
];

/**
 * The Redis Cluster of three masters, for the behaviours that must hold beyond one Redis node (the
 * core runtime, control, parallel runs). Use `withCluster` to run a matrix suite on it too.
 *
 * @example
 * describe.each(withCluster)('checkpoints on $name', (b) => { ... });
 */
export const clusterBackend: RedisClusterBackendUnderTest = clusterBackend_();

/** The main matrix plus the Redis Cluster. */
export const withCluster: readonly AnyBackendUnderTest[] = [...backends, clusterBackend];

/**
 * One backend of the matrix, typed by its name.
 *
 * @example
 * const pglite = backendByName('pglite');
 * await pglite.sql('SELECT 1');
 */
export function backendByName<N extends BackendName>(
  name: N,
): Extract<AnyBackendUnderTest, { name: N }> {
  const found = withCluster.find((backend) => backend.name === name);
  if (!found)
    throw new TypeError(
      `Expected a backend name (redis, redis-cluster, postgres, pglite), got \`${name}\``,
    );
  return found as Extract<AnyBackendUnderTest, { name: N }>;
}

function trackQueue<D, R>(queue: AnyQueue<D, R>): AnyQueue<D, R> {
  return track(queue, {
    close: async () => {
      // A queue the test closed itself cannot be obliterated; its name is unique anyway.
      if (queue.closing) return queue.closing;
      try {
        await queue.obliterate({ force: true });
      } finally {
        await queue.close();
      }
    },
  });
}

async function closeRedis(client: Redis | Cluster): Promise<void> {
  if (client.status === 'end') return;
  await client.quit().catch(() => client.disconnect());
}

// redis() and sql() hand out one client per test: reused while the registry still tracks it,
// replaced once the registry has closed it after the test.
const reusable = new Map<string, object>();

function reusedWithinTest<T extends object>(key: string, create: () => T): T {
  const existing = reusable.get(key);
  if (existing && isTracked(existing)) return existing as T;
  const created = create();
  reusable.set(key, created);
  return created;
}
