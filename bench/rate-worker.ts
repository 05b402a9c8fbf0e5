// A worker process of the rate benchmark, configured through the environment (see worker-env.ts).
// Prints `ready` once its worker is connected; every FLUSH_MS it sends the benchmark (IPC) the
// items that ended, per 10 ms slot of the clock (see rate-job.ts); on the message `stop` it closes
// the worker, sends the last counts and then its report: CPU time, as parallel-worker.ts does.
import type { WorkerReport } from './parallel-worker.js';
import { type CountsMessage, drainCounts, rateBenchJob } from './rate-job.js';
import { workerFromEnv } from './worker-env.js';

const FLUSH_MS = 100;

const worker = await workerFromEnv([rateBenchJob]);

const flush = () => {
  const counts = drainCounts();
  if (counts.length > 0) process.send!({ counts } satisfies CountsMessage);
};
const flusher = setInterval(flush, FLUSH_MS);
const cpuAtReady = process.cpuUsage();
console.log('ready');

process.on('message', (message) => {
  if (message !== 'stop') return;
  void worker.close().then(() => {
    clearInterval(flusher);
    flush();
    const cpu = process.cpuUsage(cpuAtReady);
    const report: WorkerReport = { cpuMs: (cpu.user + cpu.system) / 1000 };
    process.send!(report, () => process.exit(0));
  });
});
