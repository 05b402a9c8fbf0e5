/** The runs page: every run of the queue in a table, with filters by status and job name. */
import type { IterationRunInfo } from '../../control/status.js';
import type { Html } from '../html.js';
import { html, segment } from '../html.js';
import type { RunFilters, RunList } from '../runs.js';
import { controlButtons } from './controls.js';
import { badge, count, duration, progressBar, rate, shortJson, shortText } from './widgets.js';

/** Offered in the status filter even before a run has them. */
const STATUSES = [
  'running',
  'waiting',
  'pausing',
  'paused',
  'interrupted',
  'throttled',
  'retrying',
  'cancelling',
  'completed',
  'cancelled',
  'failed',
];

export function runFilters(base: string, list: RunList, filters: RunFilters): Html {
  const statuses = [...new Set([...STATUSES, ...list.statuses, filters.status ?? ''])].filter(
    Boolean,
  );
  const names = [...new Set([...list.names, filters.name ?? ''])].filter(Boolean);
  const option = (value: string, selected: string | undefined) =>
    html`<option value="${value}" ${value === selected ? html` selected` : ''}>${value}</option>`;
  return html`<form class="filters" method="get" action="${base}/" id="filters">
    <label
      >Status
      <select name="status">
        <option value="">all</option>
        ${statuses.map((s) => option(s, filters.status))}
      </select></label
    >
    <label
      >Job
      <select name="name">
        <option value="">all</option>
        ${names.map((n) => option(n, filters.name))}
      </select></label
    >
    <noscript><button class="button small" type="submit">Filter</button></noscript>
  </form>`;
}

export function runsTable(
  base: string,
  list: RunList,
  filters: RunFilters,
  readOnly: boolean,
): Html {
  if (list.runs.length === 0) {
    return html`<div class="card empty">
      <p>
        No iteration
        runs${filters.status || filters.name ? ' match these filters' : ' in this queue yet'}.
      </p>
    </div>`;
  }
  return html`<div class="card">
      <div class="table-wrap">
        <table class="runs">
          <thead>
            <tr>
              <th>Run</th>
              <th>Status</th>
              <th class="wide">Progress</th>
              <th class="num">Processed</th>
              <th class="num">Rate</th>
              <th class="num">ETA</th>
              <th>Cursor</th>
              <th class="num" title="times interrupted">Interr.</th>
              <th class="num" title="times throttled">Thrott.</th>
              <th>Last error</th>
              ${readOnly ? '' : html`<th></th>`}
            </tr>
          </thead>
          <tbody>
            ${list.runs.map((run) => row(base, run, readOnly))}
          </tbody>
        </table>
      </div>
    </div>
    <p class="muted count">${count(list.runs.length)} run${list.runs.length === 1 ? '' : 's'}</p>`;
}

function row(base: string, run: IterationRunInfo, readOnly: boolean): Html {
  return html`<tr data-job="${run.jobId}" data-status="${run.status}">
    <td>
      <a class="run-link" href="${base}/runs/${segment(run.jobId)}"
        ><span class="job-name">${run.jobName}</span> <span class="muted">#${run.jobId}</span></a
      >${run.control?.reason ? html`<div class="muted small">${run.control.action}: ${shortText(run.control.reason, 40)}</div>` : ''}
    </td>
    <td>${badge(run.status)}</td>
    <td class="wide">${progressBar(run.percentage, run.processed, run.status)}</td>
    <td class="num">
      ${count(run.processed)}${run.total === undefined ? '' : html`<span class="muted"> / ${count(run.total)}</span>`}
    </td>
    <td class="num">${rate(run.itemsPerSecond)}</td>
    <td class="num">${duration(run.etaMs)}</td>
    <td>${shortJson(run.cursor, 28)}</td>
    <td class="num">${count(run.timesInterrupted)}</td>
    <td class="num">${count(run.timesThrottled)}</td>
    <td class="error-cell">${shortText(run.lastError, 40)}</td>
    ${readOnly ? '' : html`<td>${controlButtons(run, readOnly)}</td>`}
  </tr>`;
}
