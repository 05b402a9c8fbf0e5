/**
 * A clock the per-item loop can read for about a nanosecond: a counter in shared memory that a
 * small worker thread advances every {@link TICK_MS}, whatever the main thread is doing.
 *
 * Why not `performance.now()`: the loop must notice elapsed time after every item, however cheap or
 * slow the item is (a CPU-bound step that never awaits I/O starves lock renewal otherwise), and on
 * virtual machines with a slow clock source a clock read costs 80 ns, a quarter of a no-op item.
 * Why a thread: a timer on the main thread cannot fire while that thread is busy, which is exactly
 * when the loop needs to know that time passed. One thread serves every run of the process; it is
 * unref'd, so it never keeps a process alive. Where threads cannot start, `now()` falls back to
 * `performance.now()`.
 *
 * The counter is a 32-bit cell, so it wraps (every 2^32 ticks, about 248 days at 5 ms). Readers
 * take it unsigned and add the wraps they have seen, so the clock keeps moving forward for as long
 * as the process lives: a wrapped, negative reading once turned off the time-based yield and the
 * lag bound of every later run.
 */
import { Worker } from 'node:worker_threads';

/** Resolution of the clock. */
export const TICK_MS = 5;

/** Ticks in one turn of the 32-bit counter. */
const WRAP = 2 ** 32;

// Slot 0: ticks elapsed. Slot 1: never written, so `Atomics.wait` on it sleeps its full timeout.
const TICKER = `
const { workerData } = require('node:worker_threads');
const t = new Int32Array(workerData);
for (;;) { Atomics.wait(t, 1, 0, ${TICK_MS}); Atomics.add(t, 0, 1); }
`;

let ticks: Int32Array | undefined;
let started = false;
/** The last unsigned reading, and the wraps seen before it (in ticks). */
let last = 0;
let wrapped = 0;

function start(): void {
  started = true;
  try {
    const shared = new Int32Array(new SharedArrayBuffer(8));
    const worker = new Worker(TICKER, { eval: true, workerData: shared.buffer });
    worker.unref();
    // A ticker that dies leaves the clock standing; the loop then falls back to the real clock.
    worker.on('error', () => (ticks = undefined));
    worker.on('exit', () => (ticks = undefined));
    ticks = shared;
  } catch {
    ticks = undefined;
  }
}

/**
 * Milliseconds on a clock that only ever moves forward in {@link TICK_MS} steps. Only differences
 * between two readings mean anything. Starts the ticker on first use.
 */
export function coarseNow(): number {
  if (!started) start();
  const t = ticks;
  if (t === undefined) return performance.now();
  const raw = t[0]! >>> 0;
  if (raw < last) wrapped += WRAP;
  last = raw;
  return (wrapped + raw) * TICK_MS;
}

/**
 * @internal For tests: sets the shared tick counter, as if the process had been up that long.
 * Returns false where the ticker could not start.
 */
export function setTicksForTesting(value: number): boolean {
  if (!started) start();
  if (ticks === undefined) return false;
  Atomics.store(ticks, 0, value | 0);
  return true;
}
