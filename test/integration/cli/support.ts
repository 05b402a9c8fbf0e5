// Running the CLI as a subprocess, as users do: from source through tsx (so `npm test` needs no
// build), with an environment stripped of the caller's connection settings.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname, '..', '..', '..');
export const CLI_MAIN = join(root, 'src', 'cli', 'main.ts');
export const JOBS = join(root, 'test', 'fixtures', 'cli', 'jobs.ts');
export const DEFAULT_JOBS = join(root, 'test', 'fixtures', 'cli', 'default-jobs.ts');
export const NO_JOBS = join(root, 'test', 'fixtures', 'cli', 'no-jobs.ts');
// By URL: `--import tsx` would resolve from the child's working directory, a temp dir here.
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** The node arguments that run the CLI from source; append the CLI's own arguments. */
export const CLI_NODE_ARGS = ['--import', TSX, '--conditions=@bullmq-iteration/source', CLI_MAIN];

/** The shell command line for the same, for tmux. */
export const CLI_SHELL = [process.execPath, ...CLI_NODE_ARGS].map((a) => `'${a}'`).join(' ');

export type Env = Record<string, string | undefined>;

/** The test process's environment without anything that picks a backend or a queue. */
export function baseEnv(extra: Env = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', LOG_LEVEL: 'warn' };
  for (const key of Object.keys(env)) {
    if (key === 'REDIS_URL' || key === 'DATABASE_URL' || key.startsWith('BULLMQ_ITERATION_')) {
      delete env[key];
    }
    // `npm test` sets npm_command for vitest; a CLI worker would warn that npm started it.
    if (key.startsWith('npm_')) delete env[key];
  }
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

export interface RunOptions {
  readonly env?: Env;
  readonly cwd?: string;
  /** Kill the process (and fail) after this long. @defaultValue 60_000 */
  readonly timeoutMs?: number;
}

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs one CLI command to its end. */
export async function cli(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  const started = startCli(args, options);
  return started.exited;
}

export interface RunningCli {
  readonly child: ChildProcess;
  readonly exited: Promise<CliResult>;
  stdout(): string;
  stderr(): string;
  /** Waits until stdout or stderr contains `text`. */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>;
}

const running = new Set<ChildProcess>();

/** Starts a CLI command and returns at once (for `worker` and `status --watch`). */
export function startCli(args: readonly string[], options: RunOptions = {}): RunningCli {
  const startedAt = Date.now();
  const child = spawn(process.execPath, [...CLI_NODE_ARGS, ...args], {
    cwd: options.cwd ?? root,
    env: baseEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const exited = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      running.delete(child);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - startedAt });
    });
  });
  return {
    child,
    exited,
    stdout: () => stdout,
    stderr: () => stderr,
    async waitFor(text, timeoutMs = 45_000) {
      const deadline = Date.now() + timeoutMs;
      const found = () =>
        typeof text === 'string'
          ? stdout.includes(text) || stderr.includes(text)
          : text.test(stdout) || text.test(stderr);
      while (!found()) {
        if (child.exitCode !== null || Date.now() > deadline) {
          throw new Error(
            `the CLI (${args.join(' ')}) did not print ${String(text)} ` +
              `${child.exitCode !== null ? `(it exited with ${child.exitCode})` : `within ${timeoutMs} ms`}\n` +
              `stdout:\n${stdout}\nstderr:\n${stderr}`,
          );
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
}

/** Kills every CLI process a test left running (for afterEach). */
export function killAllCli(): void {
  for (const child of running) child.kill('SIGKILL');
}

/** A fresh directory to run a command in (its own embedded database). */
export function tempDir(prefix = 'cli'): string {
  return mkdtempSync(join(tmpdir(), `bullmq-iteration-${prefix}-`));
}

/** A local port that accepts connections and never answers: a stuck server. */
export async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A local port where nothing listens (taken, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
