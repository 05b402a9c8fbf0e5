// Worker processes for crash and signal tests: spawn test/fixtures/worker-process.ts with tsx,
// wait for output, kill it, and read back what it processed.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface WorkerProcess {
  readonly child: ChildProcess;
  /** Resolves with the exit code and signal once the process has ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

const fixture = join(import.meta.dirname, '..', 'fixtures', 'worker-process.ts');
const running = new Set<ChildProcess>();

/** Spawns the worker fixture (or another fixture file: `script`) with `env` added. */
export function spawnWorker(
  env: Record<string, string | number>,
  script: string = fixture,
): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: {
      ...process.env,
      ...Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  return { child, exited, output: () => output };
}

/** Kills every worker process still running (for afterEach). */
export function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
}

export async function waitForOutput(worker: WorkerProcess, text: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!worker.output().includes(text)) {
    if (Date.now() > deadline) {
      throw new Error(
        `worker did not print "${text}" within ${timeoutMs} ms; output:\n${worker.output()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function tempFile(name: string): string {
  return join(mkdtempSync(join(tmpdir(), 'bullmq-iteration-proc-')), name);
}

/** Items recorded in an OUT_FILE, in order. */
export function recordedItems(file: string): number[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map(Number);
}

export async function waitForItems(
  file: string,
  count: number,
  worker?: WorkerProcess,
  timeoutMs = 30_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (recordedItems(file).length < count) {
    if (Date.now() > deadline) {
      throw new Error(
        `fewer than ${count} items recorded in ${timeoutMs} ms; worker output:\n${worker?.output() ?? '(none)'}`,
      );
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}
