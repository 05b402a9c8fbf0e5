// Against the fan-out pattern: the same keyset backfill of a PostgreSQL table (1 ms of I/O per
// row), as one iteration run of 16 partitions with the library's defaults and as one plain BullMQ
// job per 1,000 rows, on the same worker processes (4 × concurrency 4) with the queue on Redis.
// Throughput figures are medians of paired rounds (the order swapped every round); then one crash
// round per variant SIGKILLs a worker process part-way and counts rows lost and redone.
//   tsx bench/fanout.ts [--rows 500000] [--rounds 3]   (starts its own Redis and PostgreSQL)
// `npm run bench` runs it too; `npm run bench -- --only fanout` rewrites only its section.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import type { Variant } from './fanout-jobs.js';
import { prepareTable } from './fanout-jobs.js';
import type { RecordCheck } from './fanout-records.js';
import { checkRecords } from './fanout-records.js';
import { renderFanout } from './fanout-report.js';
import type { CrashPlan, FanoutTarget, VariantRun } from './fanout-run.js';
import { runVariant } from './fanout-run.js';

export type { FanoutTarget } from './fanout-run.js';

/** The medians of one variant over the paired rounds. */
export interface FanoutFigures {
  readonly seconds: number;
  readonly rowsPerSecond: number;
  readonly statementsPerRow: number;
  readonly redisCommandsPerRow: number;
  readonly workerCpuMsPerK: number;
  readonly peakRssMb: number;
  /** Redis calls per row by command, summed over the rounds, most first. */
  readonly commands: readonly (readonly [name: string, perRow: number])[];
}

export interface CrashFigures extends RecordCheck {
  readonly seconds: number;
  readonly killedAtSeconds: number;
  readonly rowsAtKill: number;
}

export interface FanoutResult {
  readonly rows: number;
  readonly rounds: number;
  /** Per round: the run's rows/s over the fan-out's; and their median. */
  readonly ratios: readonly number[];
  readonly ratio: number;
  readonly figures: Readonly<Record<Variant, FanoutFigures>>;
  readonly crash: Readonly<Record<Variant, CrashFigures>>;
  readonly crashSettings: Pick<CrashPlan, 'lockDurationMs' | 'stalledIntervalMs'> & {
    readonly killAt: number;
  };
}

/** Short enough that a killed worker's jobs are taken over within a few seconds. */
const CRASH_SETTINGS = { lockDurationMs: 2_000, stalledIntervalMs: 500, killAt: 0.4 };

export async function benchmarkFanout(
  target: FanoutTarget,
  rows: number,
  rounds: number,
  progress: (line: string) => void,
): Promise<FanoutResult> {
  progress(`fan-out: filling ${rows.toLocaleString('en-US')} rows`);
  await prepareTable(target.postgresUrl, rows);
  const runs: Record<Variant, VariantRun[]> = { run: [], batches: [] };
  const ratios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const order: Variant[] = round % 2 === 0 ? ['run', 'batches'] : ['batches', 'run'];
    for (const variant of order) {
      progress(`fan-out: round ${round + 1} of ${rounds}, ${variant}`);
      runs[variant].push(await runVariant(target, variant, rows));
    }
    ratios.push(runs.batches[round]!.seconds / runs.run[round]!.seconds);
  }
  const crash = {} as Record<Variant, CrashFigures>;
  for (const variant of ['run', 'batches'] as const) {
    progress(`fan-out: crash round, ${variant}`);
    crash[variant] = await crashRound(target, variant, rows);
  }
  return {
    rows,
    rounds,
    ratios,
    ratio: median(ratios),
    figures: { run: figures(runs.run), batches: figures(runs.batches) },
    crash,
    crashSettings: CRASH_SETTINGS,
  };
}

/** The section of `npm run bench`: 500,000 rows, or 20,000 for a quick smoke run. */
export async function fanoutSection(
  target: FanoutTarget,
  quick: boolean,
  rounds: number,
  progress: (line: string) => void,
): Promise<string[]> {
  return renderFanout(await benchmarkFanout(target, quick ? 20_000 : 500_000, rounds, progress));
}

function figures(runs: readonly VariantRun[]): FanoutFigures {
  const of = (f: (run: VariantRun) => number) => median(runs.map(f));
  const sum = (run: VariantRun, f: (r: VariantRun['reports'][number]) => number) =>
    run.reports.reduce((total, report) => total + f(report), 0);
  const commands = new Map<string, number>();
  for (const run of runs) {
    for (const [name, calls] of Object.entries(run.commandStats)) {
      commands.set(name, (commands.get(name) ?? 0) + calls);
    }
  }
  const allRows = runs.reduce((total, run) => total + run.rows, 0);
  return {
    seconds: of((r) => r.seconds),
    rowsPerSecond: of((r) => r.rows / r.seconds),
    statementsPerRow: of((r) => sum(r, (w) => w.statements) / r.rows),
    redisCommandsPerRow: of((r) => r.redisCommands / r.rows),
    workerCpuMsPerK: of((r) => (sum(r, (w) => w.cpuMs) * 1000) / r.rows),
    peakRssMb: of((r) => Math.max(...r.reports.map((w) => w.peakRssMb))),
    commands: [...commands]
      .map(([name, calls]) => [name, calls / allRows] as const)
      .sort((a, b) => b[1] - a[1]),
  };
}

async function crashRound(target: FanoutTarget, variant: Variant, rows: number) {
  const dir = await mkdtemp(join(tmpdir(), `bench-fanout-${variant}-`));
  try {
    const { killAt, ...locks } = CRASH_SETTINGS;
    const run = await runVariant(target, variant, rows, {
      dir,
      killAtRows: Math.round(rows * killAt),
      ...locks,
    });
    if (run.killed === undefined) throw new Error(`the ${variant} crash round killed no worker`);
    const check = checkRecords(dir, rows);
    // Lost rows are a finding to report; ids outside the table are the benchmark's own bug.
    if (check.stray > 0) throw new Error(`${check.stray} recorded ids are not rows of the table`);
    return {
      ...check,
      seconds: run.seconds,
      killedAtSeconds: run.killed.atSeconds,
      rowsAtKill: run.killed.rowsRecorded,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

// Run on its own: start the servers the tests use, measure, print the section.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { rows: { type: 'string' }, rounds: { type: 'string' } },
  });
  const rows = Number(values.rows ?? 500_000);
  const rounds = Number(values.rounds ?? 3);
  const { startRedis } = await import('../test/setup/redis-server.js');
  const { startPostgres } = await import('../test/setup/postgres-server.js');
  const servers = await Promise.all([startRedis(), startPostgres()]);
  try {
    const [redis, postgres] = servers;
    const log = (line: string) => process.stderr.write(`${line}\n`);
    const target = { redisUrl: redis!.url, postgresUrl: postgres!.url };
    console.log(renderFanout(await benchmarkFanout(target, rows, rounds, log)).join('\n'));
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}
