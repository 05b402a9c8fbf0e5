// How results are printed: one line per scenario as it ends, and a markdown table at the end.
import type { ScenarioResult } from './scenario.js';

/** One result line: every figure, then PASS or FAIL and the reasons. */
export function resultLine(r: ScenarioResult): string {
  return [
    `${r.pass ? 'PASS' : 'FAIL'} ${r.scenario} [${r.backend}]`,
    `items ${r.items}`,
    `lost ${r.lost}`,
    `duplicates ${r.duplicates} (bound ${r.bound})`,
    `jobs ${r.completed}/${r.jobs} completed, ${r.failed} failed${r.unfinished ? `, ${r.unfinished} unfinished` : ''}`,
    `crashes ${r.crashes}`,
    `${seconds(r.wallMs)}`,
    ...r.notes,
  ].join(' | ');
}

/** The summary table, ready to paste into docs/reliability.md. */
export function summaryTable(results: readonly ScenarioResult[], totalMs: number): string {
  const rows = results.map((r) =>
    [
      r.scenario,
      r.backend,
      r.items.toLocaleString('en-US'),
      r.lost,
      `${r.duplicates} / ${r.bound}`,
      `${r.completed}/${r.jobs}`,
      r.failed,
      r.crashes,
      seconds(r.wallMs),
      r.pass ? 'PASS' : 'FAIL',
      r.notes.join('; ').replaceAll('|', '\\|'),
    ].join(' | '),
  );
  const passed = results.filter((r) => r.pass).length;
  return [
    '| scenario | backend | items | lost | duplicates / bound | completed | failed | crashes | wall | result | notes |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|',
    ...rows.map((row) => `| ${row} |`),
    '',
    `${passed} of ${results.length} passed in ${seconds(totalMs)}.`,
  ].join('\n');
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
