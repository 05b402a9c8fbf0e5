// Starts a private, throw-away PostgreSQL cluster for one test run, or uses the one DATABASE_URL
// names; either way BullMQ's schema is migrated once here so no test races another to create it.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { appendFile, chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { runMigrations } from 'bullmq';
import pg from 'pg';

import {
  debianPostgresBinDirs,
  findExecutable,
  freePort,
  retryUntil,
  run,
  secondsSince,
  type StartedServer,
} from './process.js';

const INSTALL_HINT =
  'Install the server with `apt-get install -y postgresql`, or set DATABASE_URL=postgres://user@host:port/db to use a running server.';

/** A started PostgreSQL; `restart` exists only for a cluster this setup created itself. */
export interface StartedPostgres extends StartedServer {
  /**
   * `pg_ctl restart --mode fast` on the same port and data (the chaos suite's incident): every
   * connection is closed, the server shuts down and comes back; resolves once it accepts again.
   */
  readonly restart?: () => Promise<void>;
}

export async function startPostgres(): Promise<StartedPostgres> {
  const startedAt = Date.now();
  const external = process.env['DATABASE_URL'];
  if (external) {
    await migrate(external, 'DATABASE_URL');
    return {
      url: external,
      description: `postgres: using DATABASE_URL ${redact(external)}, migrated (${secondsSince(startedAt)})`,
      stop: async () => {},
    };
  }

  const binDirs = await debianPostgresBinDirs();
  const initdb = await findExecutable('initdb', binDirs);
  const pgCtl = await findExecutable('pg_ctl', binDirs);
  if (!initdb || !pgCtl) {
    throw new Error(
      `PostgreSQL server binaries (initdb, pg_ctl) are neither on PATH nor in /usr/lib/postgresql/*/bin. ${INSTALL_HINT}`,
    );
  }

  const dir = await mkdtemp(join(tmpdir(), 'bullmq-iteration-pg-'));
  const dataDir = join(dir, 'data');
  let asServerUser: (file: string, args: readonly string[]) => Promise<string>;
  try {
    asServerUser = await serverUserRunner(dir);
    await asServerUser(initdb, [
      '--pgdata',
      dataDir,
      '--username',
      'postgres',
      '--auth',
      'trust',
      '--encoding',
      'UTF8',
      // The C locale exists everywhere; a fresh machine's LANG may name one that is not generated.
      '--no-locale',
      '--no-sync',
    ]);
    // Settings go into the file rather than `pg_ctl -o`, which passes them through a shell.
    await appendFile(
      join(dataDir, 'postgresql.conf'),
      [
        '',
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${dir}'`,
        // Durability is worthless for a cluster deleted after the run, and costs seconds.
        'fsync = off',
        'synchronous_commit = off',
        'full_page_writes = off',
        'max_connections = 300',
        '',
      ].join('\n'),
    );
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  // vitest exits without teardown on SIGINT or SIGTERM, and pg_ctl daemonized the server: stop
  // it and remove its files synchronously, the only way an 'exit' listener can.
  const stopOnExit = () => {
    stopSync(pgCtl, dataDir);
    rmSync(dir, { recursive: true, force: true });
  };
  const stop = async () => {
    process.removeListener('exit', stopOnExit);
    await asServerUser(pgCtl, ['stop', '--pgdata', dataDir, '--mode', 'immediate', '--wait']).catch(
      () => {},
    );
    await rm(dir, { recursive: true, force: true });
  };

  try {
    // The port can be taken between choosing and binding it; a fresh one almost always works.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      try {
        await asServerUser(pgCtl, [
          'start',
          '--pgdata',
          dataDir,
          '--log',
          join(dir, 'postgres.log'),
          '--options',
          `-p ${port}`,
          '--wait',
          '--timeout',
          '30',
        ]);
      } catch (error) {
        if (attempt < 3) continue;
        const log = await readFile(join(dir, 'postgres.log'), 'utf8').catch(() => '');
        throw new Error(`PostgreSQL did not start; server log:\n${log.slice(-4_000)}`, {
          cause: error,
        });
      }
      process.once('exit', stopOnExit);
      const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
      await migrate(url, 'the PostgreSQL server started for the tests');
      return {
        url,
        description: `postgres: started ${pgCtl} on ${url} (data in ${dataDir}), migrated in ${secondsSince(startedAt)}`,
        stop,
        restart: async () => {
          // --log again: without it the new server would inherit pg_ctl's output pipes.
          await asServerUser(pgCtl, [
            'restart',
            '--pgdata',
            dataDir,
            '--mode',
            'fast',
            '--log',
            join(dir, 'postgres.log'),
            '--wait',
            '--timeout',
            '30',
          ]);
        },
      };
    }
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * initdb refuses to run as root, and CI machines run as root: there the cluster belongs to the
 * `postgres` system user and every server binary runs through runuser.
 */
async function serverUserRunner(
  dir: string,
): Promise<(file: string, args: readonly string[]) => Promise<string>> {
  if (process.getuid?.() !== 0) return (file, args) => run(file, args);

  const runuser = await findExecutable('runuser', ['/usr/sbin', '/sbin']);
  if (!runuser) {
    throw new Error(
      'Running as root, but `runuser` (util-linux) is missing; it is needed to run initdb as `postgres`.',
    );
  }
  let uid: number;
  let gid: number;
  try {
    uid = Number((await run('id', ['-u', 'postgres'])).trim());
    gid = Number((await run('id', ['-g', 'postgres'])).trim());
  } catch (error) {
    throw new Error(
      `Running as root, but there is no \`postgres\` user to own the test cluster. ${INSTALL_HINT}`,
      { cause: error },
    );
  }
  await chown(dir, uid, gid);
  const asPostgres = (file: string, args: readonly string[]) =>
    run(runuser, ['-u', 'postgres', '--', file, ...args]);
  try {
    // Also proves `postgres` can reach the temp dir: a TMPDIR under /root would not be.
    await asPostgres('test', ['-w', dir]);
  } catch (error) {
    throw new Error(
      `\`runuser -u postgres\` cannot write to ${dir}; point TMPDIR at a directory the postgres user can reach (such as /tmp).`,
      { cause: error },
    );
  }
  return asPostgres;
}

/** Waits for the server to accept connections, then migrates with a dedicated session. */
async function migrate(url: string, what: string): Promise<void> {
  const client = await retryUntil(
    `connecting to ${what}`,
    async () => {
      const candidate = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
      // pg emits 'error' for a connection that dies later; without a listener that would crash.
      candidate.on('error', () => {});
      try {
        await candidate.connect();
        return candidate;
      } catch (error) {
        await candidate.end().catch(() => {});
        throw error;
      }
    },
    { timeoutMs: 15_000, intervalMs: 100 },
  ).catch((error: unknown) => {
    const fix =
      what === 'DATABASE_URL'
        ? 'Fix it, or unset it to let the tests start their own PostgreSQL.'
        : `See the server log next to its data directory.`;
    throw new Error(`Cannot connect to ${what} (${redact(url)}): ${causeOf(error)}. ${fix}`, {
      cause: error,
    });
  });
  try {
    await runMigrations(client);
  } finally {
    await client.end();
  }
}

function stopSync(pgCtl: string, dataDir: string): void {
  const args = ['stop', '--pgdata', dataDir, '--mode', 'immediate', '--wait'];
  if (process.getuid?.() === 0) spawnSync('runuser', ['-u', 'postgres', '--', pgCtl, ...args]);
  else spawnSync(pgCtl, args);
}

function causeOf(error: unknown): string {
  const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
  return cause instanceof Error ? cause.message : String(cause);
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
