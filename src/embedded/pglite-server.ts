/**
 * The embedded default: PGlite (PostgreSQL compiled to WebAssembly, in this process) served on a
 * local TCP port through @electric-sql/pglite-socket, so BullMQ's PostgreSQL backend and any `pg`
 * client can use it like a server. Nothing to install; made for the quickstart, the demo and local
 * development. It runs queries on this process's main thread and is several times slower than a
 * real server: production points at Redis or PostgreSQL instead.
 *
 * PGlite and the socket server are optional peers, imported here on first use (see
 * optional-peer.ts); nothing in this file's exported types names them, so the public `.d.ts`
 * compiles in a strict project that has not installed them.
 */
import { createPostgresBackend, runMigrations } from 'bullmq';
import pg from 'pg';

import { loadPeer } from './optional-peer.js';

/** Longest an idle embedded worker waits before it looks for jobs again, in seconds. */
const EMBEDDED_MAX_BLOCK_S = 0.5;

/**
 * BullMQ's PostgreSQL backend for the embedded server. PGlite does not deliver NOTIFY to the
 * connection that LISTENs, so a worker is never woken by a new or promoted job there; BullMQ's own
 * ceiling on how long an idle worker waits (up to an hour when a delayed job lies far ahead, such
 * as a paused job) would then leave new work unseen. This caps the wait at half a second.
 */
export const createEmbeddedBackend: typeof createPostgresBackend = (name, opts, options) => {
  const backend = createPostgresBackend(name, opts, options);
  Object.defineProperty(backend, 'maximumBlockTimeout', { value: EMBEDDED_MAX_BLOCK_S });
  return backend;
};

export interface EmbeddedPostgresOptions {
  /** Directory to keep the database in; in memory when omitted. */
  readonly dataDir?: string;
  /** TCP port on 127.0.0.1; a free one when omitted. */
  readonly port?: number;
}

/**
 * The part of a PGlite instance the embedded server uses and hands back: a structural type, so
 * the public types do not depend on PGlite's own (which need Emscripten's). A `PGlite` fits; cast
 * `embedded.db as PGlite` for the rest of its API.
 */
export interface EmbeddedDatabase {
  exec(sql: string): Promise<unknown>;
  query(sql: string, params?: unknown[]): Promise<{ readonly rows: readonly unknown[] }>;
  close(): Promise<void>;
}

export interface EmbeddedPostgres {
  /** `postgres://…` URL of the server. */
  readonly url: string;
  /** The PGlite instance itself, for direct queries. */
  readonly db: EmbeddedDatabase;
  close(): Promise<void>;
}

/** Starts PGlite behind a socket server and prepares BullMQ's schema in it. */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions = {},
): Promise<EmbeddedPostgres> {
  const { PGlite } = await loadPeer('@electric-sql/pglite', () => import('@electric-sql/pglite'));
  const db = await PGlite.create(options.dataDir === undefined ? {} : { dataDir: options.dataDir });
  return serveEmbeddedPostgres(db, options.port === undefined ? {} : { port: options.port });
}

/**
 * Serves an open PGlite database on 127.0.0.1 and prepares BullMQ's schema in it. Closing the
 * result stops the server and closes the database; so does a failure to start.
 */
export async function serveEmbeddedPostgres(
  db: EmbeddedDatabase,
  options: { readonly port?: number } = {},
): Promise<EmbeddedPostgres> {
  const { PGLiteSocketServer } = await loadPeer(
    '@electric-sql/pglite-socket',
    () => import('@electric-sql/pglite-socket'),
  ).catch(async (error: unknown) => {
    await db.close().catch(() => undefined);
    throw error;
  });
  // Every socket client shares PGlite's single session, and BullMQ opens many connections.
  const server = new PGLiteSocketServer({
    db: db as ConstructorParameters<typeof PGLiteSocketServer>[0]['db'],
    host: '127.0.0.1',
    port: options.port ?? 0,
    maxConnections: 200,
  });
  try {
    await server.start();
    const url = `postgres://postgres@${server.getServerConn()}/postgres`;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await runMigrations(client);
    } finally {
      await client.end();
    }
    // BullMQ sets search_path per connection, which a shared session ignores; set it on the
    // session itself so BullMQ's unqualified names resolve.
    await db.exec('SET search_path TO bullmq, public');
    return {
      url,
      db,
      async close() {
        await server.stop();
        await db.close();
      },
    };
  } catch (error) {
    await server.stop().catch(() => undefined);
    await db.close().catch(() => undefined);
    throw error;
  }
}
