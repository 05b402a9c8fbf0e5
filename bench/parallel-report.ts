// The parallel benchmark's section of docs/benchmarks.md: throughput and speedup per partition
// count, then what the server and the workers spent per item, for each checkpoint setting.
import type { ParallelResult } from './parallel.js';
import { IO_MS, PROCESSES, TUNED_INTERVAL_MS } from './parallel-job.js';

export const PARALLEL_HEADING = '## Parallel runs: one run split into partitions';

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const setting = (ms: number) => (ms === 0 ? 'default' : `\`checkpointIntervalMs: ${ms}\``);
const opt = (n: number | undefined, digits: number) =>
  n === undefined ? 'n/a' : n.toFixed(digits);

export function renderParallel(results: readonly ParallelResult[]): string[] {
  const shapes = [...new Map(results.map((r) => [r.partitions, r])).values()]
    .map((r) => `${r.processes} × ${r.concurrency}`)
    .join(', ');
  const out = [
    PARALLEL_HEADING,
    '',
    `One run of I/O-bound items (each awaits a ${IO_MS} ms timer), split into ${[...new Set(results.map((r) => r.partitions))].join(', ')} partitions and processed by separate worker processes (Node processes started with tsx before the clock starts, at most ${PROCESSES}), whose total concurrency matches the partitions: processes × concurrency ${shapes}. Timed from enqueueing the parent to its completion (planning, partition jobs and the join included). Target: a speedup of at least 0.8 × partitions.`,
    '',
    `Checkpoints: coalesced mode (the default) with the default pace, where each partition starts its next fenced write no sooner than 40 times the store's recent write latency times the run's partitions (at most 500 ms, the half of \`maxCheckpointLagMs\`); and with \`checkpointIntervalMs: ${TUNED_INTERVAL_MS}\` on the workers, at most one write per partition every ${TUNED_INTERVAL_MS} ms, at the cost of redoing up to ${TUNED_INTERVAL_MS} ms of items per partition after a crash. Speedups are over one partition with the same setting.`,
    '',
    '| backend | checkpoints | partitions | processes × concurrency | items | seconds | items/s | speedup | speedup / partitions |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    out.push(
      `| ${r.backend} | ${setting(r.checkpointIntervalMs)} | ${r.partitions} | ${r.processes} × ${r.concurrency} | ${int(r.items)} | ${r.seconds.toFixed(1)} | ${int(r.perSecond)} | ${r.speedup.toFixed(2)}× | ${(r.speedup / r.partitions).toFixed(2)} |`,
    );
  }
  out.push(
    '',
    "Where the time goes, in the same rounds: the server's CPU (Redis's own counters; for PostgreSQL the postmaster's and its backends' from `/proc`) and the worker processes' CPU per thousand items, the server's calls per item (Redis commands; PostgreSQL committed transactions), checkpoint rows written per item (PostgreSQL), and the most queries one process saw waiting for a connection of its PostgreSQL pool (BullMQ's `pg.Pool`, 10 connections by default, which the checkpoint writes share), sampled every 20 ms.",
    '',
    '| backend | checkpoints | partitions | server CPU ms / 1k items | workers CPU ms / 1k items | server calls / item | checkpoint writes / item | pool waiting, max |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  );
  for (const r of results) {
    out.push(
      `| ${r.backend} | ${setting(r.checkpointIntervalMs)} | ${r.partitions} | ${opt(r.serverCpuMsPerK, 0)} | ${int(r.workerCpuMsPerK)} | ${r.serverCallsPerItem.toFixed(2)} | ${opt(r.checkpointsPerItem, 3)} | ${r.poolWaitingMax ?? 'n/a'} |`,
    );
  }
  out.push(
    '',
    ...findings(results),
    `How to read it: with the default pace, a process's checkpoint writes keep the store busy about 2.5% of the time, so writes per item fall as partitions grow instead of staying near one per item (as they did when each partition wrote back to back). On Redis that is a short script; on PostgreSQL each is a transaction (an \`INSERT … ON CONFLICT\` into the checkpoint table from the job row taken \`FOR SHARE\`), and the server CPU per item, on a machine whose cores the workers and the server share, is what the partitions run into. The pool-waiting column says whether a process's connection pool was short of connections; a larger one (\`connection: { connectionString, max }\`) helps only when it was the limit. \`checkpointIntervalMs\` fixes the pace instead, per worker or per job.`,
    '',
  );
  return out;
}

/** One sentence per backend, computed from the rows: the widest run, default against tuned. */
function findings(results: readonly ParallelResult[]): string[] {
  const lines: string[] = [];
  const widest = Math.max(...results.map((r) => r.partitions));
  for (const backend of [...new Set(results.map((r) => r.backend))]) {
    const at = (ms: number) =>
      results.find(
        (r) => r.backend === backend && r.partitions === widest && r.checkpointIntervalMs === ms,
      );
    const base = at(0);
    const tuned = at(TUNED_INTERVAL_MS);
    if (base === undefined || tuned === undefined) continue;
    lines.push(
      `- ${backend}, ${widest} partitions: ${int(base.perSecond)} items/s (${base.speedup.toFixed(2)}×) with the default checkpoints, ${int(tuned.perSecond)} items/s (${tuned.speedup.toFixed(2)}×) with \`checkpointIntervalMs: ${TUNED_INTERVAL_MS}\`; server calls per item ${base.serverCallsPerItem.toFixed(2)} → ${tuned.serverCallsPerItem.toFixed(2)}, server CPU per 1k items ${opt(base.serverCpuMsPerK, 0)} → ${opt(tuned.serverCpuMsPerK, 0)} ms.`,
    );
  }
  if (lines.length > 0) lines.push('');
  return lines;
}
