// The model's tables (see scaling-model.ts): unit costs, the model against the running windows
// it should predict, and the extrapolation to many partitions and items per second.
import type { Cost } from './scaling-harness.js';
import type { Coefficients, Shape, Unit } from './scaling-model.js';
import { callsPerSecond, DEFAULTS, loadOf, total } from './scaling-model.js';
import type { ParallelResult, SteadyResult } from './scaling-scenarios.js';
import { STEP_MS } from './scaling-scenarios.js';

const f = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const cell = (u: Unit, pg: boolean) =>
  `${f(u.ops, 2)} | ${f(u.bytes)} | ${pg ? f(u.wal) : 'n/a'} | ${pg ? f(u.xids, 2) : 'n/a'}`;

export function unitTable(all: readonly Coefficients[]): string[] {
  const out = [
    '| backend | call | ops | bytes | WAL bytes | write xacts |',
    '|---|---|---:|---:|---:|---:|',
  ];
  for (const c of all) {
    const pg = c.backend !== 'Redis';
    out.push(`| ${c.backend} | checkpoint write | ${cell(c.checkpoint, pg)} |`);
    out.push(`| ${c.backend} | control or settings read | ${cell(c.read, pg)} |`);
    out.push(`| ${c.backend} | progress write | ${cell(c.progress, pg)} |`);
    out.push(`| ${c.backend} | job read (mean of a hit and a miss) | ${cell(c.jobRead, pg)} |`);
  }
  return out;
}

const perPartitionSecond = (c: Cost, p: number) => (c.server.ops ?? 0) / p / c.seconds;

/** The model against the running windows: ops per partition per second, predicted / measured. */
export function validationTable(all: readonly Coefficients[], steady: readonly SteadyResult[]) {
  const out = [
    `| backend | partitions | workers | idle: model | idle: measured | ${STEP_MS} ms items: model | ${STEP_MS} ms items: measured |`,
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of steady) {
    const c = all.find((x) => x.backend === r.backend);
    if (c === undefined) continue;
    const base = { partitions: r.partitions, workers: r.workers, ...DEFAULTS };
    const idle = total(loadOf(c, { ...base, itemsPerSecond: 0, slowItems: true })).ops;
    // The stepping window's checkpoints as measured: at 16 partitions the pace is below its cap.
    const saves = (r.stepping.calls['store.save'] ?? 0) / r.stepping.seconds;
    const stepLoad = loadOf(c, { ...base, itemsPerSecond: (r.partitions * 1_000) / STEP_MS });
    const stepping = total(stepLoad).ops - stepLoad.checkpoint.ops + saves * c.checkpoint.ops;
    out.push(
      `| ${r.backend} | ${r.partitions} | ${r.workers} | ${f(idle / r.partitions, 1)} | ${f(perPartitionSecond(r.idle, r.partitions), 1)} | ${f(stepping / r.partitions, 1)} | ${f(perPartitionSecond(r.stepping, r.partitions), 1)} |`,
    );
  }
  return out;
}

/** Least squares of ops = a + b·P + q·P² over the parallel runs of one backend. */
export function lifetimeFit(rows: readonly ParallelResult[]) {
  const xs = rows.map((r) => [1, r.partitions, r.partitions ** 2]);
  const ys = rows.map((r) => r.run.server.ops ?? 0);
  const m = [0, 1, 2].map((i) => [0, 1, 2].map((j) => xs.reduce((s, x) => s + x[i]! * x[j]!, 0)));
  const v = [0, 1, 2].map((i) => xs.reduce((s, x, n) => s + x[i]! * ys[n]!, 0));
  // Gaussian elimination on the 3 × 3 normal equations.
  for (let i = 0; i < 3; i++) {
    for (let j = i + 1; j < 3; j++) {
      const k = m[j]![i]! / m[i]![i]!;
      for (let c = i; c < 3; c++) m[j]![c]! -= k * m[i]![c]!;
      v[j]! -= k * v[i]!;
    }
  }
  const x = [0, 0, 0];
  for (let i = 2; i >= 0; i--) {
    let s = v[i]!;
    for (let c = i + 1; c < 3; c++) s -= m[i]![c]! * x[c]!;
    x[i] = s / m[i]![i]!;
  }
  return { perRun: x[0]!, perPartition: x[1]!, perPartitionSquared: x[2]! };
}

export interface Scenario {
  readonly label: string;
  readonly shape: Shape;
}

const TUNED = {
  controlPollIntervalMs: 5_000,
  progressIntervalMs: 10_000,
  checkpointIntervalMs: 5_000,
} as const;

export const SCENARIOS: Scenario[] = [
  [256, 4, 25_600],
  [1_000, 10, 100_000],
  [10_000, 10, 100_000],
  [10_000, 100, 100_000],
].flatMap(([partitions, workers, itemsPerSecond]) => [
  {
    label: 'defaults',
    shape: {
      partitions: partitions!,
      workers: workers!,
      itemsPerSecond: itemsPerSecond!,
      ...DEFAULTS,
    },
  },
  {
    label: 'tuned',
    shape: {
      partitions: partitions!,
      workers: workers!,
      itemsPerSecond: itemsPerSecond!,
      ...TUNED,
    },
  },
]);

/** Per second, by kind of call, for each scenario. */
export function extrapolationTable(c: Coefficients): string[] {
  const pg = c.backend !== 'Redis';
  const out = [
    `| partitions | workers | items/s | settings | checkpoint writes | control reads | progress writes | run-progress job reads | total ${pg ? 'statements' : 'ops'}/s | round trips/s | MB/s on the wire | write xacts/s | WAL MB/s |`,
    '|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const { label, shape } of SCENARIOS) {
    const load = loadOf(c, shape);
    const sum = total(load);
    // Every call is one round trip: a command or script on Redis, a statement on PostgreSQL.
    const trips = Object.values(callsPerSecond(shape)).reduce((a, b) => a + b, 0);
    out.push(
      `| ${f(shape.partitions)} | ${shape.workers} | ${f(shape.itemsPerSecond)} | ${label} | ${f(load.checkpoint.ops)} | ${f(load.read.ops)} | ${f(load.progress.ops)} | ${f(load.jobRead.ops)} | **${f(sum.ops)}** | ${f(trips)} | ${f(sum.bytes / 1e6, 1)} | ${pg ? f(sum.xids) : 'n/a'} | ${pg ? f(sum.wal / 1e6, 1) : 'n/a'} |`,
    );
  }
  return out;
}
