// Small process and network helpers shared by the server starters in this folder.
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, readdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';

/** What a starter hands back: where the server is and how to stop it again. */
export interface StartedServer {
  readonly url: string;
  /** One human line for the run log: what was started (or reused) and where. */
  readonly description: string;
  stop(): Promise<void>;
}

/** First executable called `name` on PATH, then in `extraDirs`, in order; undefined when none. */
export async function findExecutable(
  name: string,
  extraDirs: readonly string[] = [],
): Promise<string | undefined> {
  const pathDirs = (process.env['PATH'] ?? '').split(delimiter).filter(Boolean);
  for (const dir of [...pathDirs, ...extraDirs]) {
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here; keep looking.
    }
  }
  return undefined;
}

/** `/usr/lib/postgresql/<major>/bin` directories, newest major first (Debian's layout). */
export async function debianPostgresBinDirs(): Promise<string[]> {
  const root = '/usr/lib/postgresql';
  const majors = await readdir(root).catch(() => [] as string[]);
  return majors
    .filter((entry) => /^\d+$/.test(entry))
    .sort((a, b) => Number(b) - Number(a))
    .map((major) => join(root, major, 'bin'));
}

/**
 * A TCP port that was free a moment ago. Another process may grab it before the server binds,
 * so starters retry with a new port when the bind fails.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error(`Expected a TCP address, got ${String(address)}`));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

/** Runs a command to completion and returns its stdout; the error carries stdout and stderr. */
export function run(
  file: string,
  args: readonly string[],
  options: { timeoutMs?: number; cwd?: string } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { timeout: options.timeoutMs ?? 60_000, cwd: options.cwd, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          const output = `${stdout}${stderr}`.trim();
          reject(
            new Error(
              `\`${[file, ...args].join(' ')}\` failed: ${error.message}${output ? `\n${output}` : ''}`,
            ),
          );
          return;
        }
        resolve(stdout);
      },
    );
  });
}

/** Calls `attempt` until it resolves or `timeoutMs` passes, then rethrows its last error. */
export async function retryUntil<T>(
  what: string,
  attempt: () => Promise<T>,
  options: { timeoutMs: number; intervalMs?: number; giveUp?: () => Error | undefined },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      const fatal = options.giveUp?.();
      if (fatal) throw fatal;
      if (Date.now() >= deadline) {
        throw new Error(`${what} did not succeed within ${options.timeoutMs} ms`, {
          cause: error,
        });
      }
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50));
  }
}

/** Seconds since `startedAt` with one decimal, for the startup log lines. */
export function secondsSince(startedAt: number): string {
  return `${((Date.now() - startedAt) / 1000).toFixed(1)}s`;
}
