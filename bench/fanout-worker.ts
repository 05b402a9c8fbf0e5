// A worker process of the fan-out benchmark, configured through the environment: VARIANT (`run`:
// an IterationWorker for the library's run; `batches`: a plain BullMQ Worker for the fan-out
// jobs), URL (Redis), DATA_URL (PostgreSQL, the rows), QUEUE, CONCURRENCY, and for a crash round
// OUT_DIR (where processed ids are appended), LOCK_DURATION_MS and STALLED_INTERVAL_MS. Both
// variants get the same BullMQ options, so only the way of working differs. Prints `ready` once
// connected; on the IPC message `stop` it closes and reports what it cost.
import { readFileSync } from 'node:fs';

import { Worker } from 'bullmq';
import { pino } from 'pino';

import { IterationWorker, redisOptionsFromUrl } from '../src/index.js';
import { backfillRun, counts, processBatch } from './fanout-jobs.js';
import type { WorkerReport } from './parallel-worker.js';

/** What a fan-out benchmark worker reports when it stops. */
export interface FanoutWorkerReport extends WorkerReport {
  /** Peak resident set size of the process over its life, in MiB. */
  readonly peakRssMb: number;
  /** Statements sent to the data database by the jobs' code. */
  readonly statements: number;
  /** Rows whose I/O finished. */
  readonly rows: number;
}

const env = process.env;
const lockDuration =
  env.LOCK_DURATION_MS === undefined ? {} : { lockDuration: Number(env.LOCK_DURATION_MS) };
const stalledInterval =
  env.STALLED_INTERVAL_MS === undefined ? {} : { stalledInterval: Number(env.STALLED_INTERVAL_MS) };
const options = {
  connection: redisOptionsFromUrl(env.URL!),
  concurrency: Number(env.CONCURRENCY),
  ...lockDuration,
  ...stalledInterval,
};
// What the benchmark drives: the two workers differ in what they run, not in how they start and stop.
interface Driven {
  waitUntilReady(): Promise<unknown>;
  close(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}
const worker: Driven =
  env.VARIANT === 'run'
    ? new IterationWorker(env.QUEUE!, [backfillRun], {
        ...options,
        logger: pino({ level: 'warn' }),
        // The benchmark stops it over IPC; a signal is only ever the crash round's SIGKILL.
        handleSignals: false,
      })
    : new Worker(env.QUEUE!, processBatch, options);
worker.on('error', (error) => console.error(`worker error: ${error.message}`));
await worker.waitUntilReady();
// From here: starting Node, compiling with tsx and connecting are not the benchmark's cost.
const cpuAtReady = process.cpuUsage();
console.log('ready');

process.on('message', (message) => {
  if (message !== 'stop') return;
  void worker.close().then(() => {
    const cpu = process.cpuUsage(cpuAtReady);
    const report: FanoutWorkerReport = {
      cpuMs: (cpu.user + cpu.system) / 1000,
      peakRssMb: peakRssMb(),
      statements: counts.statements,
      rows: counts.rows,
    };
    process.send!(report, () => process.exit(0));
  });
});

/**
 * The process's peak RSS. Linux's VmHWM belongs to the memory image exec made, whereas getrusage's
 * maxRSS (process.resourceUsage) keeps the high-water mark of the image before exec, the forked
 * copy of the benchmark's own process, which would make every worker as big as its parent.
 */
function peakRssMb(): number {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm !== null) return Number(hwm[1]) / 1024;
  } catch {
    // Not Linux: the rusage figure, an upper bound.
  }
  return process.resourceUsage().maxRSS / 1024;
}
