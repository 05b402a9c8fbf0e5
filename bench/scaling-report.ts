// The scaling benchmark's tables, in Markdown, from its results (see scaling.ts). Units: "ops"
// are Redis commands executed (inside scripts included) or PostgreSQL statements; bytes are both
// directions on the wire; per-second figures are over the measured window.
import {
  extrapolationTable,
  lifetimeFit,
  unitTable,
  validationTable,
} from './scaling-extrapolation.js';
import type { Cost } from './scaling-harness.js';
import type { MemoryResult } from './scaling-memory.js';
import { coefficients } from './scaling-model.js';
import type { ParallelResult, PlainResult, RateResult, SteadyResult } from './scaling-scenarios.js';
import { STEP_MS } from './scaling-scenarios.js';
import type { UnitCosts } from './scaling-units.js';

export interface ScalingResults {
  readonly machine: Record<string, unknown>;
  readonly plain: readonly PlainResult[];
  readonly units: readonly UnitCosts[];
  readonly parallel: readonly ParallelResult[];
  readonly steady: readonly SteadyResult[];
  readonly rates: readonly RateResult[];
  readonly memory: readonly MemoryResult[];
}

const f = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : 'n/a';
const s = (c: Cost, key: string) => c.server[key] ?? 0;
const k = (c: Cost, key: string) => c.calls[key] ?? 0;
const bytes = (c: Cost) => s(c, 'in') + s(c, 'out');

/** The commands or statements of a window with the most calls, as `name ×n` per `per`. */
export function top(c: Cost, per: number, n = 4): string {
  const prefix = Object.keys(c.server).some((key) => key.startsWith('stmt:')) ? 'stmt:' : 'cmd:';
  return Object.entries(c.server)
    .filter(([key]) => key.startsWith(prefix))
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([key, v]) => `${key.slice(prefix.length).slice(0, 40)} ${f(v / per, 2)}`)
    .join('; ');
}

function plainTable(rows: readonly PlainResult[]): string[] {
  const out = [
    '| backend | run | items | checkpoints | items / checkpoint | ops / item | ops / checkpoint | bytes / checkpoint | state JSON bytes | WAL bytes / checkpoint | write xacts / checkpoint |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const base = rows.find((b) => b.backend === r.backend && b.items === 10)!;
    const c = r.cost;
    const cps = k(c, 'store.save');
    const extra = cps - k(base.cost, 'store.save');
    const per = (key: string, of: (x: Cost) => number = (x) => s(x, key)) =>
      r === base ? 'n/a' : f((of(c) - of(base.cost)) / extra, 1);
    out.push(
      `| ${r.backend} | ${r.mode}, ${r.label} | ${f(r.items)} | ${f(cps)} | ${f(r.items / cps, 1)} | ${f(s(c, 'ops') / r.items, 3)} | ${per('ops')} | ${per('', bytes)} | ${f(k(c, 'store.save.bytes') / cps)} | ${r.backend === 'Redis' ? 'n/a' : per('wal')} | ${r.backend === 'Redis' ? 'n/a' : per('xids', (x) => s(x, 'xids'))} |`,
    );
  }
  const fixed = rows.filter((r) => r.items === 10);
  out.push('');
  for (const r of fixed) {
    out.push(
      `- ${r.backend}, fixed cost of one run (enqueue to completion, 10 items, ${f(k(r.cost, 'store.save'))} checkpoints): ${f(s(r.cost, 'ops'))} ops, ${f(bytes(r.cost))} bytes; most called: ${top(r.cost, 1)}.`,
    );
  }
  return out;
}

function parallelTable(rows: readonly ParallelResult[]): string[] {
  const out = [
    '| backend | partitions | items | ops | ops / partition | ops / item | bytes / partition | checkpoints / partition | job reads (`Job.fromId`) / partition | control reads / partition | progress writes / partition |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const c = r.run;
    const p = r.partitions;
    out.push(
      `| ${r.backend} | ${p} | ${f(r.items)} | ${f(s(c, 'ops'))} | ${f(s(c, 'ops') / p)} | ${f(s(c, 'ops') / r.items, 2)} | ${f(bytes(c) / p)} | ${f(k(c, 'store.save') / p, 1)} | ${f(k(c, 'Job.fromId') / p, 1)} | ${f((k(c, 'store.loadControl') + k(c, 'store.loadSettings')) / p, 1)} | ${f(k(c, 'job.updateProgress') / p, 1)} |`,
    );
  }
  return out;
}

function readsTable(rows: readonly ParallelResult[]): string[] {
  const out = [
    '| backend | partitions | `getRun(queue, parentId)`: ops / bytes | `listRuns(queue)`: ops / bytes | `pageRuns(queue)` (dashboard list): ops / bytes |',
    '|---|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const cell = (c: Cost) => `${f(s(c, 'ops'))} / ${f(bytes(c))}`;
    out.push(
      `| ${r.backend} | ${r.partitions} | ${cell(r.reads.getRun)} | ${cell(r.reads.listRuns)} | ${cell(r.reads.pageRuns)} |`,
    );
  }
  return out;
}

function steadyTable(rows: readonly SteadyResult[]): string[] {
  const out = [
    `| backend | partitions | workers | idle: ops / partition / s | idle: bytes / partition / s | idle: control reads, progress writes, job reads / partition / s | ${STEP_MS} ms items: ops / partition / s | ${STEP_MS} ms items: checkpoints / partition / s | \`getRun\` while running: ops / bytes |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const per = (c: Cost, v: number) => v / r.partitions / c.seconds;
    const i = r.idle;
    const reads = per(i, k(i, 'store.loadControl') + k(i, 'store.loadSettings'));
    out.push(
      `| ${r.backend} | ${r.partitions} | ${r.workers} | ${f(per(i, s(i, 'ops')), 1)} | ${f(per(i, bytes(i)))} | ${f(reads, 1)}, ${f(per(i, k(i, 'job.updateProgress')), 2)}, ${f(per(i, k(i, 'Job.fromId')), 2)} | ${f(per(r.stepping, s(r.stepping, 'ops')), 1)} | ${f(per(r.stepping, k(r.stepping, 'store.save')), 2)} | ${f(s(r.getRunning, 'ops'))} / ${f(bytes(r.getRunning))} |`,
    );
  }
  return out;
}

function rateTable(rows: readonly RateResult[]): string[] {
  const out = [
    '| backend | partitions | run limit (items/s) | bucket takes / partition / s | ops / partition / s | ops / 1,000 items |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const c = r.window;
    const per = (v: number) => v / r.partitions / c.seconds;
    const items = r.itemsPerSecond * c.seconds;
    out.push(
      `| ${r.backend} | ${r.partitions} | ${f(r.itemsPerSecond)} | ${f(per(k(c, 'store.takeTokens')), 1)} | ${f(per(s(c, 'ops')), 1)} | ${f((s(c, 'ops') * 1_000) / items)} |`,
    );
  }
  return out;
}

function memoryTable(rows: readonly MemoryResult[]): string[] {
  const out = [
    '| backend | held running at once | count | heap / run (KiB) |',
    '|---|---|---:|---:|',
  ];
  for (const r of rows) {
    out.push(`| ${r.backend} | ${r.what} | ${f(r.count)} | ${f(r.heapBytesPerRun / 1024, 1)} |`);
  }
  return out;
}

export function renderScaling(r: ScalingResults): string[] {
  const out = [`Machine: ${JSON.stringify(r.machine)}`, ''];
  if (r.plain.length > 0) out.push('### One plain run', '', ...plainTable(r.plain), '');
  if (r.parallel.length > 0) {
    out.push('### One parallel run, enqueue to join', '', ...parallelTable(r.parallel), '');
    out.push('### Reads of a finished parallel run', '', ...readsTable(r.parallel), '');
  }
  if (r.steady.length > 0) out.push('### Partitions running', '', ...steadyTable(r.steady), '');
  if (r.rates.length > 0) out.push('### A run at its rate limit', '', ...rateTable(r.rates), '');
  if (r.memory.length > 0) {
    out.push('### Memory per run in a worker', '', ...memoryTable(r.memory), '');
  }
  out.push(...modelSection(r));
  return out;
}

function modelSection(r: ScalingResults): string[] {
  const coeffs = r.units.map((u) => coefficients(u, r.plain));
  if (coeffs.length === 0) return [];
  const out = ['### Unit costs (per call)', '', ...unitTable(coeffs), ''];
  if (r.steady.length > 0) {
    out.push('### The model against the running windows (ops / partition / s)', '');
    out.push(...validationTable(coeffs, r.steady), '');
  }
  for (const backend of new Set(r.parallel.map((p) => p.backend))) {
    const rows = r.parallel.filter((p) => p.backend === backend);
    if (rows.length < 3) continue;
    const fit = lifetimeFit(rows);
    out.push(
      `- ${backend}, a run from enqueue to join, fitted over ${rows.map((p) => p.partitions).join(', ')} partitions: ops ≈ ${f(fit.perRun)} + ${f(fit.perPartition, 1)} · P + ${f(fit.perPartitionSquared, 2)} · P².`,
    );
  }
  for (const c of coeffs) {
    out.push('', `### Extrapolated: ${c.backend}, per second`, '', ...extrapolationTable(c));
  }
  return out;
}
