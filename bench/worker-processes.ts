// The worker processes of the parallel and rate benchmarks: spawned with tsx as separate Node
// processes (as separate machines would run them), started before the clock starts, stopped over
// IPC after it stops, each reporting what it cost (see parallel-worker.ts; rate-worker.ts also
// sends its counts of items as it goes). The fan-out benchmark SIGKILLs one of them mid-run.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

import { createPostgresBackend, Queue } from 'bullmq';

import { redisOptionsFromUrl } from '../src/index.js';
import type { WorkerReport } from './parallel-worker.js';
import type { ServerKind } from './server-load.js';

const parallelWorker = join(import.meta.dirname, 'parallel-worker.ts');

/** Another benchmark's worker script, and what to do with the messages it sends before its report. */
export interface WorkerScript {
  readonly script: string;
  /** Called with every message; returns true for one it consumed (so it is not the report). */
  readonly onMessage: (message: unknown) => boolean;
}

export interface WorkerPool {
  /** Closes every worker gracefully and collects their reports. */
  stop(): Promise<WorkerReport[]>;
  /** Kills them, for a benchmark that failed half-way. */
  kill(): void;
  /** SIGKILLs worker `index` (a crash round) and resolves once it is gone; `stop` then skips it. */
  sigkill(index: number): Promise<void>;
}

/** Starts `processes` workers with `env` and resolves once every one of them is connected. */
export async function startWorkers(
  processes: number,
  env: Record<string, string | number>,
  script: WorkerScript = { script: parallelWorker, onMessage: () => false },
): Promise<WorkerPool> {
  const children = Array.from({ length: processes }, () => spawnOne(env, script));
  const kill = () => {
    for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGKILL');
  };
  try {
    await Promise.all(children.map((c) => c.ready));
  } catch (error) {
    kill();
    throw error;
  }
  const killed = new Set<Spawned>();
  return {
    kill,
    sigkill: async (index) => {
      const spawned = children[index]!;
      killed.add(spawned);
      // Its report never comes: the rejection of a killed worker's report is expected, not unhandled.
      spawned.report.catch(() => {});
      const { child } = spawned;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await gone;
    },
    stop: () =>
      Promise.all(
        children
          .filter((spawned) => !killed.has(spawned))
          .map(({ child, report }) => {
            child.send('stop');
            return report;
          }),
      ),
  };
}

interface Spawned {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly report: Promise<WorkerReport>;
}

function spawnOne(
  env: Record<string, string | number>,
  { script, onMessage }: WorkerScript,
): Spawned {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: {
      ...process.env,
      ...Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])),
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  const exited = new Promise<never>((_, reject) => {
    child.on('exit', (code, signal) =>
      reject(
        new Error(`a benchmark worker exited (${code ?? signal}) before it was done:\n${output}`),
      ),
    );
  });
  // Never unhandled: a worker that exits after its report was received is a normal stop.
  exited.catch(() => {});
  const ready = new Promise<void>((resolve) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready')) resolve();
    });
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    process.stderr.write(chunk);
  });
  const report = new Promise<WorkerReport>((resolve) => {
    child.on('message', (message) => {
      if (!onMessage(message)) resolve(message as WorkerReport);
    });
  });
  return {
    child,
    ready: Promise.race([ready, exited]),
    report: Promise.race([report, exited]),
  };
}

/** The benchmark's own handle on the queue its worker processes work from. */
export function benchQueue(kind: ServerKind, url: string, name: string): Queue {
  const postgres = kind === 'postgres';
  return new Queue(
    name,
    { connection: postgres ? url : redisOptionsFromUrl(url) } as never,
    (postgres ? createPostgresBackend : undefined) as never,
  );
}
