// Serves an in-memory PGlite over the PostgreSQL wire protocol: the embedded default backend,
// tested through the same BullMQ PostgreSQL backend as a real server.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { PGlite } from '@electric-sql/pglite';
import { LATEST_SCHEMA_VERSION } from 'bullmq';

import { serveEmbeddedPostgres } from '../../src/embedded/pglite-server.js';
import { secondsSince, type StartedServer } from './process.js';

// A fresh PGlite runs initdb inside WebAssembly: 3 to 10 seconds on a busy 2-core machine.
// Loading a data directory dumped after an earlier run's migrations takes about one.
const CACHE_DIR = fileURLToPath(
  new URL('../../node_modules/.cache/bullmq-iteration/', import.meta.url),
);

export async function startPglite(): Promise<StartedServer> {
  const startedAt = Date.now();
  const cacheFile = join(
    CACHE_DIR,
    `pglite-${await packageVersion('@electric-sql/pglite')}-bullmq-schema-${LATEST_SCHEMA_VERSION}.tar.gz`,
  );
  const { db, fromCache } = await createDatabase(cacheFile);
  // The embedded default as it ships (socket server, migrations, session search_path); migrations
  // run on a cached data directory too: idempotent, and they prove the socket path works.
  const embedded = await serveEmbeddedPostgres(db);
  if (!fromCache) await saveDataDir(db, cacheFile);
  return {
    url: embedded.url,
    description: `pglite: started in-memory PGlite${fromCache ? ' (cached data dir)' : ''} served on ${embedded.url}, migrated in ${secondsSince(startedAt)}`,
    stop: () => embedded.close(),
  };
}

async function createDatabase(cacheFile: string): Promise<{ db: PGlite; fromCache: boolean }> {
  const cached = await readFile(cacheFile).catch(() => undefined);
  if (cached) {
    try {
      const db = await PGlite.create({ loadDataDir: new Blob([cached]) });
      return { db, fromCache: true };
    } catch {
      // A truncated or incompatible dump: drop it and build a fresh one below.
      await rm(cacheFile, { force: true });
    }
  }
  return { db: await PGlite.create(), fromCache: false };
}

/** Best effort: a failed save only costs the next run its speed. */
async function saveDataDir(db: PGlite, cacheFile: string): Promise<void> {
  try {
    const dump = await db.dumpDataDir('gzip');
    await mkdir(dirname(cacheFile), { recursive: true });
    // Write then rename, so a concurrent run never loads a half-written file.
    const partial = `${cacheFile}.${process.pid}.partial`;
    await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
    await rename(partial, cacheFile);
  } catch (error) {
    console.warn(`[servers] could not cache the PGlite data dir: ${String(error)}`);
  }
}

/** The installed version of `name`, from the package.json above its resolved entry point. */
async function packageVersion(name: string): Promise<string> {
  let dir = dirname(createRequire(import.meta.url).resolve(name));
  for (;;) {
    const manifest = await readFile(join(dir, 'package.json'), 'utf8').catch(() => undefined);
    if (manifest) {
      const parsed = JSON.parse(manifest) as { name?: string; version?: string };
      if (parsed.name === name && parsed.version) return parsed.version;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`Cannot find the package.json of ${name}`);
    dir = parent;
  }
}
