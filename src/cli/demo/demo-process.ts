/**
 * Starts a demo worker process (demo-worker.ts) and reads its JSON-line reports: the same Node
 * with the same flags as this process, so the demo runs from source (tsx) and from the package.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import type { DemoWorkerConfig } from './demo-worker.js';

export interface DemoWorker {
  readonly pid: number;
  readonly running: boolean;
  /** The next report of `event` (or the one already seen); rejects if the process ends first. */
  next(event: string): Promise<Record<string, unknown>>;
  /** A real SIGTERM, as an orchestrator sends on a deploy. */
  terminate(): void;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

// `.ts` when the demo runs from source, `.js` from the built package.
const WORKER_FILE = fileURLToPath(
  new URL(`./demo-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url),
);

export function startDemoWorker(config: DemoWorkerConfig): DemoWorker {
  const child: ChildProcess = spawn(process.execPath, [...process.execArgv, WORKER_FILE], {
    env: { ...process.env, BULLMQ_ITERATION_DEMO: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const seen: Record<string, unknown>[] = [];
  const waiters: { event: string; resolve: (e: Record<string, unknown>) => void }[] = [];
  let buffer = '';
  let stderr = '';
  let running = true;
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let end: number;
    while ((end = buffer.indexOf('\n')) >= 0) {
      const report = JSON.parse(buffer.slice(0, end)) as Record<string, unknown>;
      buffer = buffer.slice(end + 1);
      seen.push(report);
      for (const waiter of waiters.filter((w) => w.event === report.event)) {
        waiter.resolve(report);
        waiters.splice(waiters.indexOf(waiter), 1);
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      running = false;
      resolve({ code, signal });
    }),
  );
  return {
    pid: child.pid!,
    get running() {
      return running;
    },
    next(event) {
      const found = seen.find((report) => report.event === event);
      if (found !== undefined) return Promise.resolve(found);
      return Promise.race([
        new Promise<Record<string, unknown>>((resolve) => waiters.push({ event, resolve })),
        exited.then(({ code, signal }) => {
          throw new Error(
            `the demo worker (pid ${child.pid}) ended (${signal ?? `code ${code}`}) before "${event}":\n${stderr}`,
          );
        }),
      ]);
    },
    terminate: () => child.kill('SIGTERM'),
    exited,
    stderr: () => stderr,
  };
}
