// Worker child processes of a scenario: spawn them, wait until they are ready, signal them, and
// play the orchestrator: a worker that dies without being told to is counted as a crash and
// replaced, so the run can still finish (and the crash is reported, not hidden).
import { type ChildProcess, spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';

import type { ChaosTarget } from './servers.js';

const fixture = join(import.meta.dirname, 'worker-process.ts');
/** Every child of the whole run, so an exit or Ctrl-C kills them all. */
const everyChild = new Set<ChildProcess>();
/** Bound on replacements of crashed workers in one scenario. */
const MAX_CRASH_REPLACEMENTS = 20;
const READY_TIMEOUT_MS = 60_000;

export interface ChaosWorker {
  readonly index: number;
  readonly child: ChildProcess;
  readonly recordFile: string;
  readonly exited: Promise<void>;
  /** Set before the harness signals it, so its exit is not taken for a crash. */
  expectedExit: boolean;
  output(): string;
  /** Bytes recorded so far: how the harness sees which worker is busy. */
  recorded(): number;
}

export type WorkerEnv = Record<string, string | number>;

export class WorkerPool {
  readonly workers: ChaosWorker[] = [];
  /** Messages of workers that died on their own. */
  readonly crashes: string[] = [];
  #next = 0;
  #closed = false;
  readonly #target: ChaosTarget;
  readonly #queue: string;
  readonly #dir: string;
  readonly #env: WorkerEnv;

  constructor(target: ChaosTarget, queue: string, dir: string, env: WorkerEnv) {
    this.#target = target;
    this.#queue = queue;
    this.#dir = dir;
    this.#env = env;
  }

  /** Starts a worker and waits for its `ready` line. */
  async start(extraEnv: WorkerEnv = {}): Promise<ChaosWorker> {
    const index = this.#next++;
    const recordFile = join(this.#dir, `worker-${index}.log`);
    const env = {
      ...process.env,
      BACKEND: this.#target.name,
      URL: this.#target.workerUrl,
      QUEUE: this.#queue,
      RECORD_FILE: recordFile,
      ...stringValues({ ...this.#env, ...extraEnv }),
    };
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', fixture], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    everyChild.add(child);
    let output = '';
    const collect = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-200_000));
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const worker: ChaosWorker = {
      index,
      child,
      recordFile,
      expectedExit: false,
      exited: new Promise((resolve) => child.once('exit', () => resolve())),
      output: () => output,
      recorded: () => fileSize(recordFile),
    };
    this.workers.push(worker);
    child.once('exit', (code, signal) => {
      everyChild.delete(child);
      if (worker.expectedExit || this.#closed) return;
      const tail = output.trim().split('\n').slice(-3).join(' | ');
      this.crashes.push(`worker ${index} exited (code ${code}, signal ${signal}): ${tail}`);
      if (this.crashes.length <= MAX_CRASH_REPLACEMENTS) {
        this.start(extraEnv).catch((error: unknown) => this.crashes.push(String(error)));
      }
    });
    await waitFor(
      () => output.includes('ready\n'),
      READY_TIMEOUT_MS,
      () => {
        if (child.exitCode !== null || child.signalCode !== null) return true;
        return false;
      },
    );
    if (!output.includes('ready\n')) {
      throw new Error(`worker ${index} did not get ready; output:\n${output.slice(-2_000)}`);
    }
    return worker;
  }

  /** Workers still running. */
  alive(): ChaosWorker[] {
    return this.workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
  }

  /** Sends `signal` to a worker the harness means to stop, and waits for its exit. */
  async stop(worker: ChaosWorker, signal: 'SIGKILL' | 'SIGTERM', timeoutMs = 60_000) {
    worker.expectedExit = true;
    worker.child.kill(signal);
    const timer = setTimeout(() => worker.child.kill('SIGKILL'), timeoutMs);
    await worker.exited;
    clearTimeout(timer);
  }

  /** The live worker whose record grew the most within `windowMs`: the one running the job. */
  async busiest(windowMs = 300): Promise<ChaosWorker | undefined> {
    const before = new Map(this.alive().map((w) => [w, w.recorded()]));
    await sleep(windowMs);
    let best: ChaosWorker | undefined;
    let bestGrowth = 0;
    for (const [w, size] of before) {
      const growth = w.recorded() - size;
      if (growth > bestGrowth) [best, bestGrowth] = [w, growth];
    }
    return best;
  }

  /** Kills every worker of the pool at once (scenario end). */
  async close(): Promise<void> {
    this.#closed = true;
    const alive = this.alive();
    for (const w of alive) {
      w.child.kill('SIGCONT');
      w.child.kill('SIGKILL');
    }
    await Promise.all(alive.map((w) => w.exited));
  }

  recordFiles(): string[] {
    return this.workers.map((w) => w.recordFile);
  }
}

/** Kills every worker process of the run, synchronously (exit and signal handlers). */
export function killEveryWorker(): void {
  for (const child of everyChild) child.kill('SIGKILL');
}

function stringValues(env: WorkerEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `done` every 50 ms until it holds, `abort` holds, or `timeoutMs` passes. */
export async function waitFor(
  done: () => boolean | Promise<boolean>,
  timeoutMs: number,
  abort: () => boolean = () => false,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await done()) return true;
    if (abort()) return false;
    await sleep(50);
  }
  return done();
}
