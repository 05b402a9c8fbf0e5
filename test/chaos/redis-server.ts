// A private redis-server the chaos suite can hurt: append-only file on, so a restart on the same
// port and directory brings the data back; restart, freeze (SIGSTOP) and thaw (SIGCONT).
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { findExecutable, freePort, retryUntil } from '../setup/process.js';
import { pingPort } from '../setup/redis-server.js';

/** A redis-server on 127.0.0.1 that outlives restarts of its process. */
export interface ChaosRedis {
  readonly url: string;
  /** Pid of the current redis-server process. */
  pid(): number;
  /** SIGTERM (Redis writes its AOF and exits), wait `downMs`, start again on the same port. */
  restart(downMs: number): Promise<void>;
  /** Stops the process (SIGSTOP): connections stay open, nothing is answered. */
  freeze(): void;
  /** SIGCONT after `freeze`. */
  thaw(): void;
  stop(): Promise<void>;
}

export async function startChaosRedis(): Promise<ChaosRedis> {
  const binary = await findExecutable('redis-server');
  if (!binary) throw new Error('redis-server is not on PATH: `apt-get install -y redis-server`.');
  const dir = await mkdtemp(join(tmpdir(), 'bullmq-iteration-chaos-redis-'));
  const port = await freePort();
  let child = await spawnRedis(binary, port, dir);
  let stopped = false;
  const killNow = () => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killNow);
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: () => child.pid!,
    async restart(downMs) {
      await stopChild(child);
      await new Promise((resolve) => setTimeout(resolve, downMs));
      if (!stopped) child = await spawnRedis(binary, port, dir);
    },
    freeze: () => void child.kill('SIGSTOP'),
    thaw: () => void child.kill('SIGCONT'),
    async stop() {
      stopped = true;
      process.removeListener('exit', killNow);
      child.kill('SIGCONT');
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function spawnRedis(binary: string, port: number, dir: string): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''];
  // Durable enough for a restart: every write is in the AOF, flushed once a second and at SIGTERM.
  args.push('--appendonly', 'yes', '--appendfsync', 'everysec', '--daemonize', 'no');
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4_000)));
  let exited: Error | undefined;
  child.on('exit', (code, signal) => {
    exited ??= new Error(`redis-server exited (code ${code}, signal ${signal}): ${stderr}`);
  });
  // The old process may still hold the port for a moment after exiting: retry the bind.
  await retryUntil(`redis-server on port ${port} answering PING`, () => pingPort(port), {
    timeoutMs: 15_000,
    giveUp: () => exited,
  });
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
