// Kill storms and freezes against worker subprocesses running test/fixtures/exactly-once-worker.ts:
// a pool of workers on one job, the busy one killed (or stopped) and replaced, and the effects
// table read back afterwards.
import { join } from 'node:path';

import type { AnyQueue, BackendUnderTest } from './backends.js';
import type { DataDb } from './data-db.js';
import { sleep } from './iteration.js';
import { spawnWorker, waitForOutput, type WorkerProcess } from './processes.js';
import { postgresUrl } from './servers.js';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'exactly-once-worker.ts');

/** Short locks and stall checks, so a dead worker's job is taken over within about a second. */
export const STORM_TIMING = { LOCK_DURATION_MS: 1_000, STALLED_INTERVAL_MS: 500 };

export interface StormOptions {
  readonly transactional: boolean;
  readonly total: number;
  /** `itemsPerTransaction` of the transactional job. @defaultValue 1 */
  readonly itemsPerTransaction?: number;
  /** A 1 ms pause before every this-many-th item, so the run outlasts the kills; 0 for none. @defaultValue 0 */
  readonly itemPauseEvery?: number;
}

export class Storm {
  readonly workers: WorkerProcess[] = [];
  readonly #env: Record<string, string | number>;

  constructor(b: BackendUnderTest, queue: AnyQueue, db: DataDb, options: StormOptions) {
    this.#env = {
      BACKEND: b.name,
      URL: b.name === 'redis' ? redisUrlOf(b) : b.connection,
      DATA_URL: postgresUrl(),
      QUEUE: queue.name,
      EFFECTS: db.effects,
      SCHEMA: db.schema,
      TOTAL: options.total,
      TRANSACTIONAL: options.transactional ? '1' : '0',
      ITEMS_PER_TX: options.itemsPerTransaction ?? 1,
      ITEM_PAUSE_EVERY: options.itemPauseEvery ?? 0,
      ...STORM_TIMING,
    };
  }

  async start(count = 1): Promise<void> {
    const started = Array.from({ length: count }, () => spawnWorker(this.#env, fixture));
    this.workers.push(...started);
    await Promise.all(started.map((w) => waitForOutput(w, 'ready')));
  }

  /** The live worker whose pid wrote the newest effect: the one running the job. */
  async busy(db: DataDb): Promise<WorkerProcess | undefined> {
    const { rows } = await db.pool.query<{ worker: string }>(
      `SELECT worker FROM ${db.effects} ORDER BY item DESC LIMIT 1`,
    );
    const pid = Number(rows[0]?.worker);
    return this.workers.find((w) => w.child.pid === pid && w.child.exitCode === null);
  }

  async kill(worker: WorkerProcess): Promise<void> {
    worker.child.kill('SIGKILL');
    await worker.exited;
    this.workers.splice(this.workers.indexOf(worker), 1);
  }

  async stopAll(): Promise<void> {
    for (const w of [...this.workers]) await this.kill(w);
  }
}

function redisUrlOf(b: BackendUnderTest): string {
  const { host, port } = b.connection as { host: string; port: number };
  return `redis://${host}:${port}`;
}

/** Waits until the job is completed (or fails on timeout / failure), polling the queue. */
export async function finished(queue: AnyQueue, id: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await queue.getJobState(id);
    if (state === 'completed') return;
    if (state === 'failed') {
      const job = await queue.getJob(id);
      throw new Error(`job ${id} failed: ${job?.failedReason ?? '?'}`);
    }
    if (Date.now() > deadline) throw new Error(`job ${id} still ${state} after ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** 1 to 2 seconds, at random. */
export const stormPause = () => sleep(1_000 + Math.random() * 1_000);
