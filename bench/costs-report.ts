// The per-item cost table (bench/costs.ts) as a section of docs/benchmarks.md.
import type { CostRow } from './costs.js';

export const COSTS_HEADING = '## Per-item cost of each feature';

const rate = (n: number) => Math.round(n).toLocaleString('en-US');

/** Microseconds with a sign: a figure within the noise may come out negative, and says so. */
function micros(us: number): string {
  const digits = Math.abs(us) < 10 ? 2 : Math.abs(us) < 100 ? 1 : 0;
  return `${us >= 0 ? '+' : '−'}${Math.abs(us).toFixed(digits)}`;
}

/** Two decimals, or two significant digits below 0.1, where a durable write per item lands. */
const ratio = (r: number) => `${r >= 0.1 ? r.toFixed(2) : r.toPrecision(2)}×`;

/** The section: what was measured, how, and one row per feature. */
export function renderCosts(rows: readonly CostRow[], rounds: number): string[] {
  return [
    COSTS_HEADING,
    '',
    `The no-op job of the overhead section on Redis (an awaited async no-op per item, coalesced checkpoints), with one option set at a time. Each row is measured against its reference in ${rounds} paired round${rounds === 1 ? '' : 's'}: the two runs back to back, the order swapped every round. "vs reference" is the median of the per-round ratios of the row's rate to the reference's (1.00× costs nothing); "added µs/item" is the median of the per-round differences of time per item, (1/row − 1/reference) · 10⁶, which is what the option adds to every item whatever the item itself costs. items/s is the row's best round. The first row is the plain job, every option off, against a bare \`for await\` loop: what the runtime itself costs. Strict checkpoints are also compared with BullMQ's step-job pattern (\`job.updateData\` with the cursor after every item), where 1.00× or more is parity. The transactional rows run the same no-op in a transaction of a PostgreSQL database (BEGIN, the fenced cursor update, COMMIT), the queue still on Redis.`,
    '',
    '| feature | option | reference | items | items/s | vs reference | added µs/item |',
    '|---|---|---|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.option} | ${r.reference} | ${rate(r.items)} | ${rate(r.perSecond)} | ${ratio(r.ratio)} | ${micros(r.addedMicros)} |`,
    ),
    '',
  ];
}

/** One JSON line per row, as bench/overhead.ts prints them, to compare two checkouts. */
export function costsJsonLines(rows: readonly CostRow[], load: number, rounds: number): string[] {
  return rows.map((r) => JSON.stringify({ ...r, load, rounds }));
}
