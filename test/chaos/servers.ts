// The servers of a chaos run, started on first use and stopped at the end: a redis-server with an
// append-only file, a private PostgreSQL cluster and the embedded PGlite, all on 127.0.0.1.
import { createPostgresBackend, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';

import { createEmbeddedBackend } from '../../src/embedded/pglite-server.js';
import { redisOptionsFromUrl } from '../../src/index.js';
import { startPglite } from '../setup/pglite-server.js';
import { type StartedPostgres, startPostgres } from '../setup/postgres-server.js';
import type { StartedServer } from '../setup/process.js';
import { type ChaosRedis, startChaosRedis } from './redis-server.js';

export type ChaosBackend = 'redis' | 'postgres' | 'pglite';

/** One backend as a scenario sees it. */
export interface ChaosTarget {
  readonly name: ChaosBackend;
  /** What worker processes connect to. */
  readonly workerUrl: string;
  /** A BullMQ Queue of the harness on this backend (same API whatever the backend). */
  queue(name: string): Queue;
}

export class ChaosServers {
  #redis: Promise<ChaosRedis> | undefined;
  #postgres: Promise<StartedPostgres> | undefined;
  #pglite: Promise<StartedServer> | undefined;
  readonly #closables: { close(): Promise<unknown> }[] = [];

  redis(): Promise<ChaosRedis> {
    return (this.#redis ??= startChaosRedis());
  }

  postgres(): Promise<StartedPostgres> {
    return (this.#postgres ??= startPostgres());
  }

  pglite(): Promise<StartedServer> {
    return (this.#pglite ??= startPglite());
  }

  async target(name: ChaosBackend): Promise<ChaosTarget> {
    if (name === 'redis') {
      const { url } = await this.redis();
      return {
        name,
        workerUrl: url,
        queue: (queue) => this.#track(new Queue(queue, { connection: redisOptionsFromUrl(url) })),
      };
    }
    const server = name === 'postgres' ? await this.postgres() : await this.pglite();
    const factory = name === 'postgres' ? createPostgresBackend : createEmbeddedBackend;
    return {
      name,
      workerUrl: server.url,
      queue: (queue) =>
        this.#track(new Queue(queue, { connection: server.url }, factory) as unknown as Queue),
    };
  }

  /** A raw ioredis client on the chaos Redis (for CLIENT KILL); closed at the end. */
  async redisClient(): Promise<Redis> {
    const client = new Redis(redisOptionsFromUrl((await this.redis()).url));
    client.on('error', () => {});
    this.#closables.push({ close: () => client.quit().catch(() => client.disconnect()) });
    return client;
  }

  /** A pg pool on the PostgreSQL server (for pg_terminate_backend); closed at the end. */
  async postgresPool(): Promise<pg.Pool> {
    const pool = new pg.Pool({
      connectionString: (await this.postgres()).url,
      max: 1,
      application_name: 'chaos-harness',
    });
    // Its own connection can die in a restart; that must not take the harness down.
    pool.on('error', () => {});
    this.#closables.push({ close: () => pool.end() });
    return pool;
  }

  /** Closes the harness's queues and clients, then stops every server that was started. */
  async stop(): Promise<void> {
    const closing = this.#closables.splice(0).map((c) => withTimeout(c.close(), 5_000));
    await Promise.allSettled(closing);
    const servers = [this.#redis, this.#postgres, this.#pglite].filter((s) => s !== undefined);
    await Promise.allSettled(
      servers.map(async (server) => withTimeout((await server).stop(), 15_000)),
    );
  }

  #track(queue: Queue): Queue {
    queue.on('error', () => {});
    this.#closables.push(queue);
    return queue;
  }
}

function withTimeout(promise: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise((resolve) => (timer = setTimeout(resolve, ms)));
  return Promise.race([promise.catch(() => undefined), timeout]).finally(() => clearTimeout(timer));
}
