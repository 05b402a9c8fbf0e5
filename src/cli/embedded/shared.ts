/**
 * The embedded database shared by CLI processes. Each command is its own process and PGlite lives
 * in one, so one data directory (`./.bullmq-iteration` by default) is passed around:
 *
 * - A `worker` opens the directory and hosts it: it serves the database on a local port for the
 *   whole of its life and records the URL in `server.json`.
 * - Any other command connects to that worker's server when there is one, and otherwise opens the
 *   directory itself for the few seconds it needs (waiting its turn if another command has it).
 *
 * `server.json` is also the lock that keeps two processes from opening the directory at once; see
 * host-file.ts. Nothing connects to a short-lived holder, so no command is left talking to a server
 * that disappears under it.
 */
import { join } from 'node:path';

import { Queue } from 'bullmq';
import pg from 'pg';

import { connect } from '../../connect.js';
import { createEmbeddedBackend } from '../../embedded/pglite-server.js';
import type { CliBackend, CliQueue, OpenOptions } from '../cli-backend.js';
import { fromConnection } from '../cli-backend.js';
import { settleWithin, sleep } from '../deadline.js';
import { CliError, ExitCode } from '../exit-codes.js';
import type { HostRecord } from './host-file.js';
import {
  describeHolder,
  hostFile,
  isAlive,
  newRecord,
  publish,
  readRecord,
  releaseClaim,
  stillHolds,
  tryClaim,
} from './host-file.js';

/**
 * How long a command waits for another to release the directory. Generous: the very first open
 * creates the database, which takes PGlite several seconds (tens on a loaded machine).
 */
const LOCK_WAIT_MS = 90_000;
/** After this long waiting, say what we are waiting for. */
const NOTICE_AFTER_MS = 1_500;
/** A recorded server that refuses connections may be shutting down: give it this long. */
const GONE_GRACE_MS = 3_000;

export async function openSharedEmbedded(
  dataDir: string,
  options: OpenOptions,
): Promise<CliBackend> {
  const record = newRecord(options.role, options.command);
  const startedAt = Date.now();
  let noticed = false;
  for (;;) {
    const claim = tryClaim(dataDir, record);
    if (claim.kind === 'claimed') {
      if (stillHolds(dataDir, record)) return host(dataDir, record);
      continue;
    }
    if (claim.kind === 'unreadable') {
      throw new CliError(
        `${hostFile(dataDir)} is not a bullmq-iteration host record (it reads ${JSON.stringify(claim.text.slice(0, 80))}). ` +
          'Remove it if no bullmq-iteration process is using that directory.',
        ExitCode.failure,
      );
    }
    const holder = claim.holder;
    if (holder.role === 'worker' && holder.url !== null) {
      if (options.role === 'worker') throw secondWorker(dataDir, holder);
      const client = await connectToHost(dataDir, holder, options.timeoutMs);
      if (client !== undefined) return client;
      continue; // the host went away meanwhile: look again
    }
    if (Date.now() - startedAt > LOCK_WAIT_MS) {
      throw new CliError(
        `Waited ${LOCK_WAIT_MS / 1000} s for ${describeHolder(holder)} to release the embedded ` +
          `database in ${dataDir}. If that process is stuck, stop it (kill ${holder.pid}).`,
        ExitCode.unreachable,
      );
    }
    if (!noticed && Date.now() - startedAt > NOTICE_AFTER_MS) {
      noticed = true;
      options.notice(
        `waiting for ${describeHolder(holder)} to ${holder.role === 'worker' ? 'start serving' : 'release'} the embedded database in ${dataDir} …`,
      );
    }
    await sleep(100);
  }
}

/** Opens the directory in this process; a worker also serves it to other processes. */
async function host(dataDir: string, record: HostRecord): Promise<CliBackend> {
  // A forced exit (second Ctrl-C) skips `release`; the record must not outlive the process anyway.
  const onExit = () => releaseClaim(dataDir, record);
  process.on('exit', onExit);
  let connection: Awaited<ReturnType<typeof connect>>;
  try {
    connection = await connect({ env: {}, embeddedDataDir: join(dataDir, 'pgdata') });
  } catch (error) {
    releaseClaim(dataDir, record);
    process.off('exit', onExit);
    throw new CliError(
      `Cannot open the embedded database in ${dataDir}: ${(error as Error).message}`,
      ExitCode.failure,
      { cause: error },
    );
  }
  if (record.role === 'worker') publish(dataDir, { ...record, url: connection.databaseUrl! });
  const description =
    record.role === 'worker'
      ? `embedded database in ${dataDir} (serving other commands at ${connection.databaseUrl})`
      : `embedded database in ${dataDir}`;
  const release = async () => {
    try {
      await connection.close();
    } finally {
      releaseClaim(dataDir, record);
      process.off('exit', onExit);
    }
  };
  return fromConnection(connection, description, release, true);
}

/**
 * A client of the worker that hosts the directory. Returns undefined when the record changed or
 * its process ended while we tried (the caller looks again); throws when the host is alive but
 * does not answer.
 */
async function connectToHost(
  dataDir: string,
  holder: HostRecord,
  timeoutMs: number,
): Promise<CliBackend | undefined> {
  const url = holder.url!;
  const deadline = Date.now() + GONE_GRACE_MS;
  for (;;) {
    const problem = await ping(url, timeoutMs);
    if (problem === undefined) break;
    const current = readRecord(hostFile(dataDir));
    const unchanged = typeof current === 'object' && current.token === holder.token;
    if (!unchanged || !isAlive(holder.pid)) return undefined;
    // Refused while the worker lives: it is probably closing and about to remove its record.
    if (problem.refused && Date.now() < deadline) {
      await sleep(200);
      continue;
    }
    throw new CliError(
      `The embedded database in ${dataDir} is hosted by ${describeHolder(holder)} at ${url}, ` +
        `which does not answer: ${problem.message}. If that process is stuck, stop it ` +
        `(kill ${holder.pid}); if it is not a bullmq-iteration worker (its pid was reused), ` +
        `remove ${hostFile(dataDir)}.`,
      ExitCode.unreachable,
    );
  }
  const connection = {
    kind: 'embedded' as const,
    // The same factory the host's own queues use; BullMQ's types tie a Queue to its backend class.
    queue: (name: string) =>
      new Queue(name, { connection: url }, createEmbeddedBackend) as unknown as CliQueue,
  };
  return fromConnection(
    connection,
    `embedded database in ${dataDir} (hosted by worker pid ${holder.pid} at ${url})`,
    async () => {},
  );
}

async function ping(
  url: string,
  timeoutMs: number,
): Promise<{ message: string; refused: boolean } | undefined> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { message: (error as Error).message || String(code), refused: code === 'ECONNREFUSED' };
  } finally {
    await settleWithin(client.end(), 1_000);
  }
}

function secondWorker(dataDir: string, holder: HostRecord): CliError {
  return new CliError(
    `The embedded database in ${dataDir} is already hosted by ${describeHolder(holder)}. It ` +
      'serves one worker process: stop that one, give it more --concurrency, or run several ' +
      'workers on Redis or PostgreSQL (REDIS_URL / DATABASE_URL).',
    ExitCode.failure,
  );
}
