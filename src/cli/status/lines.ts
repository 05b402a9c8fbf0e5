/**
 * Plain renderings of runs for output that is not a terminal, and the detail of one run.
 *
 * Plain lines are logfmt with a fixed set of keys in a fixed order (`-` for an unknown value), so
 * they stay stable for `grep`, `awk` and log pipelines; `--json` has everything, for programs.
 */
import type { IterationRunInfo } from '../../control/status.js';
import { formatDuration } from '../../throttle/duration.js';
import {
  formatPercent,
  formatProcessed,
  formatRate,
  paint,
  progressBar,
  toneOf,
} from './format.js';

/**
 * `id=42 job=score-accounts status=running processed=26150 total=50000 percent=52.3 rate=3120.5
 * eta_ms=8000 interrupted=1 throttled=0 transient=0`; `detail` adds the cursor, control request,
 * last error, why a run is stale and since when its name is unknown. New keys go at the end.
 */
export function plainLine(run: IterationRunInfo, detail = false): string {
  const fields: [string, string | number | undefined][] = [
    ['id', run.jobId],
    ['job', run.jobName],
    ['status', run.status],
    ['processed', run.processed],
    ['total', run.total],
    ['percent', run.percentage],
    ['rate', run.itemsPerSecond === undefined ? undefined : round(run.itemsPerSecond, 1)],
    ['eta_ms', run.etaMs === undefined ? undefined : Math.round(run.etaMs)],
    ['interrupted', run.timesInterrupted],
    ['throttled', run.timesThrottled],
    ['transient', run.transientFailures],
  ];
  if (detail) {
    fields.push(
      ['cursor', JSON.stringify(run.cursor)],
      ['control', run.control?.action],
      ['reason', run.control?.reason],
      ['attempts', run.attemptsMade],
      ['skipped', run.skipped],
      ['error', run.lastError],
      ['stale', run.staleReason],
      ['status_reason', run.statusReason],
      ['unknown_since', run.unknownSince],
      ['step', run.step === undefined ? undefined : stepLabel(run.step)],
      ['version', run.version],
      ['waiting_for_version', run.waitingForVersion],
    );
  }
  return fields.map(([key, value]) => `${key}=${logfmtValue(value)}`).join(' ');
}

/** `export (1/3)`: the step's name and its place, counted from 1 for people. */
function stepLabel(step: NonNullable<IterationRunInfo['step']>): string {
  return `${step.name} (${step.index + 1}/${step.count})`;
}

function logfmtValue(value: string | number | undefined): string {
  if (value === undefined || value === '') return '-';
  const text = String(value);
  return /^[^\s"=\\]+$/.test(text) ? text : JSON.stringify(text);
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** The detail of one run for a terminal: a bar, then one labelled line per figure. */
export function detailLines(
  run: IterationRunInfo,
  width: number,
  color: boolean,
  now = Date.now(),
): string[] {
  const bar = Math.max(0, Math.min(40, width - 40));
  const fraction = run.percentage === undefined ? undefined : run.percentage / 100;
  const lines = [
    `${run.jobName}  #${run.jobId}  ${paint(run.status, toneOf(run.status), color)}`,
    '',
    `  progress     ${bar > 0 ? `${progressBar(fraction, bar)} ` : ''}${formatPercent(run.percentage)}  ${formatProcessed(run.processed, run.total)}`,
    `  rate         ${formatRate(run.itemsPerSecond)}   ETA ${run.etaMs === undefined ? '-' : formatDuration(run.etaMs)}`,
    `  interrupted  ${times(run.timesInterrupted)}`,
    `  throttled    ${times(run.timesThrottled)}${run.throttledMs > 0 ? ` (${formatDuration(run.throttledMs)} waiting)` : ''}`,
    `  transient    ${times(run.transientFailures)}${run.transientMs > 0 ? ` (${formatDuration(run.transientMs)} waiting for the resource)` : ''}`,
    ...(run.skipped > 0
      ? [
          `  skipped      ${run.skipped} failed item${run.skipped === 1 ? '' : 's'} (see \`failures ${run.jobId}\`)`,
        ]
      : []),
    ...(run.step === undefined ? [] : [`  step         ${stepLabel(run.step)}`]),
    ...(run.version === undefined ? [] : [`  version      ${versionLabel(run)}`]),
    `  running time ${formatDuration(run.totalTimeMs)}`,
    `  attempts     ${run.attemptsMade} failed`,
    `  cursor       ${JSON.stringify(run.cursor)}`,
  ];
  if (run.control !== undefined) {
    lines.push(
      `  requested    ${run.control.action} at ${new Date(run.control.requestedAt).toISOString()}${run.control.reason ? ` (${run.control.reason})` : ''}`,
    );
  }
  if (run.restart !== undefined) {
    const r = run.restart;
    lines.push(
      `  restart of   job ${r.of} from cursor ${JSON.stringify(r.from)}; it stood at cursor ${JSON.stringify(r.oldCursor)} after ${r.oldProcessed} items`,
    );
  }
  if (run.lastError !== undefined) lines.push(`  last error   ${run.lastError}`);
  if (run.staleReason !== undefined) {
    lines.push(`  stale        ${run.staleReason}; another worker resumes it from its checkpoint`);
  }
  if (run.unknownSince !== undefined) {
    lines.push(
      `  unknown job  no worker knew "${run.jobName}" for ${formatDuration(Math.max(0, now - run.unknownSince))}; deploy a worker that defines it`,
    );
    if (run.statusReason !== undefined) lines.push(`  reason       ${run.statusReason}`);
  }
  if (run.waitingForVersion !== undefined) {
    lines.push(
      `  waiting      for version ${run.waitingForVersion}: workers of an older version give it back; deploy version ${run.waitingForVersion} or later`,
    );
  }
  if (run.updatedAt !== undefined) {
    lines.push(`  updated      ${formatDuration(Math.max(0, now - run.updatedAt))} ago`);
  }
  return lines;
}

/** `2 (migrated from 1; its cursor was {"id":4})`. */
function versionLabel(run: IterationRunInfo): string {
  const m = run.migrated;
  if (m === undefined) return String(run.version);
  return `${run.version} (migrated from ${m.fromVersion}; its cursor was ${JSON.stringify(m.previous.cursor)})`;
}

function times(n: number): string {
  return `${n} time${n === 1 ? '' : 's'}`;
}
