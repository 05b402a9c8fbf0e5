/**
 * The status table for a terminal: one row per run, columns sized to their content, the progress
 * bar taking what width is left (so a narrow or resized terminal still gets whole rows).
 */
import type { IterationRunInfo } from '../../control/status.js';
import { formatDuration } from '../../throttle/duration.js';
import {
  formatCount,
  formatPercent,
  formatProcessed,
  formatRate,
  paint,
  progressBar,
  toneOf,
  truncate,
} from './format.js';

const GAP = '  ';
const MAX_JOB = 24;
const MAX_BAR = 30;
const MIN_BAR = 5;

interface Column {
  readonly title: string;
  readonly right?: boolean;
  readonly cell: (run: IterationRunInfo) => string;
}

const COLUMNS: readonly Column[] = [
  { title: 'ID', cell: (r) => truncate(r.jobId, 16) },
  { title: 'JOB', cell: (r) => truncate(r.jobName, MAX_JOB) },
  { title: 'STATUS', cell: (r) => r.status },
  { title: 'PROGRESS', cell: () => '' }, // drawn separately: its width depends on the terminal
  { title: 'PROCESSED', right: true, cell: (r) => formatProcessed(r.processed, r.total) },
  { title: 'RATE', right: true, cell: (r) => formatRate(r.itemsPerSecond) },
  {
    title: 'ETA',
    right: true,
    cell: (r) => (r.etaMs === undefined ? '-' : formatDuration(r.etaMs)),
  },
  { title: 'INT', right: true, cell: (r) => formatCount(r.timesInterrupted) },
  { title: 'THR', right: true, cell: (r) => formatCount(r.timesThrottled) },
  { title: 'TRN', right: true, cell: (r) => formatCount(r.transientFailures) },
];

const PROGRESS = 3;
const STATUS = 2;
const PERCENT_WIDTH = '100.0%'.length;

/**
 * The table's lines, none wider than `width`.
 *
 * @example
 * ```ts
 * for (const line of renderTable(runs, process.stdout.columns, true)) console.log(line);
 * ```
 */
export function renderTable(
  runs: readonly IterationRunInfo[],
  width: number,
  color: boolean,
): string[] {
  const cells = runs.map((run) => COLUMNS.map((column) => column.cell(run)));
  const widths = COLUMNS.map((column, i) =>
    Math.max(column.title.length, ...cells.map((row) => [...row[i]!].length)),
  );
  const others = widths.reduce((sum, w, i) => (i === PROGRESS ? sum : sum + w), 0);
  const spare = width - others - GAP.length * (COLUMNS.length - 1) - PERCENT_WIDTH - 1;
  const bar = spare >= MIN_BAR ? Math.min(MAX_BAR, spare) : 0;
  widths[PROGRESS] = Math.max(
    'PROGRESS'.length,
    bar === 0 ? PERCENT_WIDTH : bar + 1 + PERCENT_WIDTH,
  );

  const header = COLUMNS.map((column, i) => pad(column.title, widths[i]!, column.right)).join(GAP);
  const rows = runs.map((run, r) =>
    COLUMNS.map((column, i) => {
      if (i === PROGRESS) {
        const percent = formatPercent(run.percentage).padStart(PERCENT_WIDTH);
        const drawn = bar === 0 ? percent : `${progressBar(fraction(run), bar)} ${percent}`;
        return pad(drawn, widths[i]!);
      }
      const text = pad(cells[r]![i]!, widths[i]!, column.right);
      return i === STATUS ? paint(text, toneOf(run.status), color) : text;
    })
      .join(GAP)
      .trimEnd(),
  );
  return [header.trimEnd(), ...rows].map((line) => clip(line, width));
}

function fraction(run: IterationRunInfo): number | undefined {
  return run.percentage === undefined ? undefined : run.percentage / 100;
}

function pad(text: string, width: number, right = false): string {
  const missing = Math.max(0, width - [...text].length);
  return right ? ' '.repeat(missing) + text : text + ' '.repeat(missing);
}

const ESC = '\x1b[';
const RESET = '\x1b[0m';

/**
 * Cuts a line to `width` visible characters; colour codes take no room and are kept whole (and
 * closed, so a cut never leaves the terminal coloured).
 */
export function clip(line: string, width: number): string {
  let visible = 0;
  let out = '';
  let coloured = false;
  for (let i = 0; i < line.length;) {
    if (line.startsWith(ESC, i)) {
      const end = line.indexOf('m', i);
      const code = line.slice(i, end + 1);
      out += code;
      coloured = code !== RESET;
      i = end + 1;
      continue;
    }
    const ch = String.fromCodePoint(line.codePointAt(i)!);
    if (visible >= width) return coloured ? `${out}${RESET}` : out;
    out += ch;
    visible++;
    i += ch.length;
  }
  return out;
}
