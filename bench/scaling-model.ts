// The model of docs/scaling.md: what a parallel run costs a store per second, as the measured
// cost of each call times how often the runtime makes it. The frequencies come from the code:
// - checkpoint writes: each partition at the store's pace, at most one per half of
//   `maxCheckpointLagMs` (500 ms) once partitions are many, and at least one per 500 items
//   (src/runtime/checkpoint-pace.ts); a fixed `checkpointIntervalMs` replaces the pace;
// - control reads: each partition, every `controlPollIntervalMs`, reads its own request, its
//   run's request and its run's settings (src/runtime/control-watch.ts, partition-job.ts);
// - progress writes: each partition every `progressIntervalMs` (every second one while an item
//   outlasts the interval) (src/runtime/progress.ts);
// - run progress: each worker, at most every 2 × `progressIntervalMs` per run, reads every
//   partition job and probes each for a split (2P + 1 job reads) and writes the parent's progress
//   (src/parallel/run-progress.ts).
import type { Cost } from './scaling-harness.js';
import type { PlainResult } from './scaling-scenarios.js';
import type { UnitCosts } from './scaling-units.js';

/** What one call costs: ops, bytes both ways, and on PostgreSQL WAL bytes and write xacts. */
export interface Unit {
  readonly ops: number;
  readonly bytes: number;
  readonly wal: number;
  readonly xids: number;
}

export interface Coefficients {
  readonly backend: string;
  readonly checkpoint: Unit;
  readonly read: Unit;
  readonly progress: Unit;
  /** A job read, the mean of a hit and a miss (run progress makes as many of each). */
  readonly jobRead: Unit;
}

const unit = (c: Cost): Unit => ({
  ops: c.server.ops ?? 0,
  bytes: (c.server.in ?? 0) + (c.server.out ?? 0),
  wal: c.server.wal ?? 0,
  xids: c.server.xids ?? 0,
});
const mean = (a: Unit, b: Unit): Unit => ({
  ops: (a.ops + b.ops) / 2,
  bytes: (a.bytes + b.bytes) / 2,
  wal: (a.wal + b.wal) / 2,
  xids: (a.xids + b.xids) / 2,
});

export function coefficients(units: UnitCosts, plain: readonly PlainResult[]): Coefficients {
  const mine = plain.filter((p) => p.backend === units.backend);
  const base = mine.find((p) => p.items === 10)!;
  const strict = mine.find((p) => p.mode === 'strict')!;
  const writes = (strict.cost.calls['store.save'] ?? 0) - (base.cost.calls['store.save'] ?? 0);
  const [s, b] = [unit(strict.cost), unit(base.cost)];
  const u = units.units;
  return {
    backend: units.backend,
    checkpoint: {
      ops: (s.ops - b.ops) / writes,
      bytes: (s.bytes - b.bytes) / writes,
      wal: (s.wal - b.wal) / writes,
      xids: (s.xids - b.xids) / writes,
    },
    read: unit(u['control read']),
    progress: unit(u['progress write']),
    jobRead: mean(unit(u['job read']), unit(u['job read, missing'])),
  };
}

export interface Shape {
  readonly partitions: number;
  readonly workers: number;
  /** Items per second of the whole run. */
  readonly itemsPerSecond: number;
  readonly controlPollIntervalMs: number;
  readonly progressIntervalMs: number;
  /** Undefined: the store's pace. */
  readonly checkpointIntervalMs: number | undefined;
  /** Items last longer than progressIntervalMs: a progress write every second interval. */
  readonly slowItems?: boolean;
}

export const DEFAULTS = {
  controlPollIntervalMs: 1_000,
  progressIntervalMs: 1_000,
  checkpointIntervalMs: undefined,
} as const;

/** Calls per second a run of `shape` makes, by kind. */
export function callsPerSecond(shape: Shape): Record<keyof Omit<Coefficients, 'backend'>, number> {
  const p = shape.partitions;
  const each = shape.itemsPerSecond / p;
  // The auto pace reaches its cap (500 ms) from a few partitions on; items start one early.
  const paced = shape.checkpointIntervalMs === undefined ? 2 : 1_000 / shape.checkpointIntervalMs;
  const floor = each / (shape.checkpointIntervalMs === undefined ? 500 : 1_000);
  const checkpoints = p * Math.min(each, Math.max(paced, floor));
  const progressEvery = shape.progressIntervalMs * (shape.slowItems ? 2 : 1);
  const runProgress = (shape.workers * 1_000) / (2 * shape.progressIntervalMs);
  return {
    checkpoint: checkpoints,
    read: (p * 3 * 1_000) / shape.controlPollIntervalMs,
    progress: (p * 1_000) / progressEvery + runProgress,
    jobRead: runProgress * (2 * p + 1),
  };
}

export type Load = Record<keyof Omit<Coefficients, 'backend'>, Unit>;

/** What a run of `shape` costs the store per second, by kind of call. */
export function loadOf(c: Coefficients, shape: Shape): Load {
  const calls = callsPerSecond(shape);
  const times = (u: Unit, n: number): Unit => ({
    ops: u.ops * n,
    bytes: u.bytes * n,
    wal: u.wal * n,
    xids: u.xids * n,
  });
  return {
    checkpoint: times(c.checkpoint, calls.checkpoint),
    read: times(c.read, calls.read),
    progress: times(c.progress, calls.progress),
    jobRead: times(c.jobRead, calls.jobRead),
  };
}

export function total(load: Load): Unit {
  const all = Object.values(load);
  const sum = (key: keyof Unit) => all.reduce((s, u) => s + u[key], 0);
  return {
    ops: sum('ops'),
    bytes: sum('bytes'),
    wal: sum('wal'),
    xids: sum('xids'),
  };
}
