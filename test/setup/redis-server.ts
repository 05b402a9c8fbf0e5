// Starts a private, throw-away redis-server for one test run, or checks the one REDIS_URL names.
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Redis } from 'ioredis';

import {
  findExecutable,
  freePort,
  retryUntil,
  secondsSince,
  type StartedServer,
} from './process.js';

const INSTALL_HINT =
  'Install it with `apt-get install -y redis-server`, or set REDIS_URL=redis://host:port to use a running server.';

export async function startRedis(): Promise<StartedServer> {
  const startedAt = Date.now();
  const external = process.env['REDIS_URL'];
  if (external) {
    await pingUrl(external);
    return {
      url: external,
      description: `redis: using REDIS_URL ${external} (${secondsSince(startedAt)})`,
      stop: async () => {},
    };
  }

  const binary = await findExecutable('redis-server');
  if (!binary) throw new Error(`redis-server is not on PATH. ${INSTALL_HINT}`);

  const dir = await mkdtemp(join(tmpdir(), 'bullmq-iteration-redis-'));
  try {
    // The port can be taken between choosing and binding it; a fresh one almost always works.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      try {
        const child = await spawnRedis(binary, port, dir);
        const url = `redis://127.0.0.1:${port}`;
        return {
          url,
          description: `redis: started ${binary} (pid ${child.pid}) on ${url} in ${secondsSince(startedAt)}`,
          stop: async () => {
            await stopChild(child);
            await rm(dir, { recursive: true, force: true });
          },
        };
      } catch (error) {
        if (attempt >= 3) throw error;
      }
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Spawns redis-server on loopback `port` with persistence off, and waits until it answers PING.
 * `extraArgs` add settings (cluster mode); the child is killed when this process exits.
 */
export async function spawnRedis(
  binary: string,
  port: number,
  dir: string,
  extraArgs: readonly string[] = [],
): Promise<ChildProcess> {
  const child = spawn(
    binary,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      // Also IPv6 loopback, for the redis://[::1] URL test; the dash makes it optional to Redis.
      '-::1',
      // Tests never need durability; skipping persistence keeps the server fast and the dir empty.
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--daemonize',
      'no',
      ...extraArgs,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let exited: Error | undefined;
  child.on('error', (error) => {
    exited = error;
  });
  child.on('exit', (code, signal) => {
    exited ??= new Error(`redis-server exited (code ${code}, signal ${signal}):\n${output}`);
  });
  // vitest exits without teardown on SIGINT or SIGTERM: the server and its dir must go anyway.
  const killOnExit = () => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));

  try {
    await retryUntil(`redis-server on port ${port} answering PING`, () => pingPort(port), {
      timeoutMs: 10_000,
      giveUp: () => exited,
    });
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  // Only the startup output is interesting; stop buffering so a chatty server costs nothing.
  child.stdout?.removeListener('data', collect);
  child.stderr?.removeListener('data', collect);
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

/** A bare RESP PING: no client library, so no reconnect logic hides a server that is not up. */
export function pingPort(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(1_000, () => socket.destroy(new Error('PING timed out')));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (!reply.includes('\r\n')) return;
      socket.end();
      if (reply.startsWith('+PONG')) resolve();
      else reject(new Error(`Unexpected PING reply ${JSON.stringify(reply)}`));
    });
    socket.on('error', reject);
  });
}

async function pingUrl(url: string): Promise<void> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 5_000,
    retryStrategy: () => null,
  });
  // ioredis rejects connect() with a bare "Connection is closed"; the reason comes as an event.
  let reason: Error | undefined;
  client.on('error', (error: Error) => {
    reason = error;
  });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    const cause = reason ?? error;
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new Error(
      `REDIS_URL=${url} is not reachable (${detail}). Fix it, or unset it to let the tests start their own redis-server.`,
      { cause },
    );
  } finally {
    client.disconnect();
  }
}

export async function stopChild(child: ChildProcess): Promise<void> {
  // No pid means spawn itself failed: there is nothing to stop and 'exit' would never come.
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
