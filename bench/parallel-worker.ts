// A worker process of the parallel benchmark, configured through the environment (see
// worker-env.ts: BACKEND redis or postgres, URL, QUEUE, CONCURRENCY, CHECKPOINT_INTERVAL_MS,
// PG_POOL_MAX). Prints `ready` once its worker is connected; on the message `stop` (IPC) it closes
// the worker and sends back what it cost: CPU time, and on PostgreSQL how often queries waited
// for a connection of its pool.
import { parallelBenchJob } from './parallel-job.js';
import { workerFromEnv } from './worker-env.js';

/** What a worker process reports when it stops. */
export interface WorkerReport {
  /** CPU time used from `ready` to the end of close. */
  readonly cpuMs: number;
  /** PostgreSQL only: samples of the pool's queue of queries waiting for a connection. */
  readonly pool?: {
    readonly waitingMax: number;
    readonly waitingMean: number;
    /** Mean connections checked out of the pool. */
    readonly busyMean: number;
  };
}

const postgres = process.env.BACKEND === 'postgres';
const worker = await workerFromEnv([parallelBenchJob]);

interface PoolLike {
  readonly waitingCount: number;
  readonly totalCount: number;
  readonly idleCount: number;
}
// Sampled, not hooked: the pool is BullMQ's, shared by its own queries and the checkpoint writes.
const pool = postgres
  ? ((await worker.getBackend()) as unknown as { connection: { pool: PoolLike } }).connection.pool
  : undefined;
const sampled = { samples: 0, waitingMax: 0, waiting: 0, busy: 0 };
const sampler =
  pool === undefined
    ? undefined
    : setInterval(() => {
        sampled.samples++;
        sampled.waiting += pool.waitingCount;
        sampled.waitingMax = Math.max(sampled.waitingMax, pool.waitingCount);
        sampled.busy += pool.totalCount - pool.idleCount;
      }, 20);
// From here: starting Node, compiling with tsx and connecting are not the benchmark's cost.
const cpuAtReady = process.cpuUsage();
console.log('ready');

process.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(sampler);
  void worker.close().then(() => {
    const cpu = process.cpuUsage(cpuAtReady);
    const report: WorkerReport = {
      cpuMs: (cpu.user + cpu.system) / 1000,
      ...(pool === undefined
        ? {}
        : {
            pool: {
              waitingMax: sampled.waitingMax,
              waitingMean: sampled.waiting / Math.max(1, sampled.samples),
              busyMean: sampled.busy / Math.max(1, sampled.samples),
            },
          }),
    };
    process.send!(report, () => process.exit(0));
  });
});
