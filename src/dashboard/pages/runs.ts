/**
 * The runs page: the runs of the console's queues in a table, a page at a time, filtered on the
 * server by queue, status, job name and tags; and the bulk actions over what the filters match.
 */
import type { IterationRunInfo } from '../../control/status.js';
import type { RunTags } from '../../control/tags.js';
import { errorGist } from '../error-gist.js';
import type { Html } from '../html.js';
import { html, segment } from '../html.js';
import type { RunFilters, RunList } from '../runs.js';
import { controlButtons } from './controls.js';
import { pager } from './pager.js';
import {
  badge,
  count,
  duration,
  progressBar,
  rate,
  shortJson,
  shortText,
  tagChips,
} from './widgets.js';

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
  const select = (label: string, name: string, values: readonly string[], selected?: string) =>
    html`<label
      >${label}
      <select name="${name}">
        <option value="">all</option>
        ${values.map((value) => option(value, selected))}
      </select></label
    >`;
  return html`<form class="filters" method="get" action="${base}/" id="filters">
    ${list.queues.length > 1 ? select('Queue', 'queue', list.queues, filters.queue) : ''}
    ${select('Status', 'status', statuses, filters.status)}
    ${select('Job', 'name', names, filters.name)}
    <label
      >Tags
      <input
        name="tags"
        value="${tagText(filters.tags)}"
        placeholder="shard=db-3"
        size="16"
        spellcheck="false"
    /></label>
    <noscript><button class="button small" type="submit">Filter</button></noscript>
  </form>`;
}

/** The bar above the table: bulk actions over every run the filters match. */
export function bulkBar(filters: RunFilters, readOnly: boolean): Html | string {
  if (readOnly) return '';
  const narrowed = Boolean(filters.status || filters.name || filters.tags);
  const button = (action: string, text: string, kind: string) =>
    html`<button
      type="button"
      class="button small ${kind}"
      data-bulk="${action}"
      ${narrowed ? '' : html` disabled title="Filter by job, status or tags first"`}
    >
      ${text}
    </button>`;
  return html`<div class="bulk" id="bulk">
    <span class="muted">All runs matching the filters:</span>
    ${button('pause', 'Pause…', '')}${button('resume', 'Resume…', '')}${button(
      'cancel',
      'Cancel…',
      'danger',
    )}
  </div>`;
}

export function runsTable(
  base: string,
  list: RunList,
  filters: RunFilters,
  readOnly: boolean,
): Html {
  if (list.runs.length === 0) {
    const filtered = filters.status || filters.name || filters.tags || filters.queue;
    return html`<div class="card empty">
      <p>
        No iteration
        runs${filtered ? ' match these filters' : ` in ${list.queues.length > 1 ? 'these queues' : 'this queue'} yet`}.
      </p>
    </div>`;
  }
  const many = list.queues.length > 1;
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
              <th class="num" title="times interrupted / times throttled">Int. / Thr.</th>
              <th>Last error</th>
              ${readOnly ? '' : html`<th></th>`}
            </tr>
          </thead>
          <tbody>
            ${list.runs.map((run) => row(base, run, readOnly, many))}
          </tbody>
        </table>
      </div>
    </div>
    ${pager(base, list, filters)}`;
}

function row(base: string, run: IterationRunInfo, readOnly: boolean, many: boolean): Html {
  const link = `${base}/runs/${segment(run.jobId)}${many ? `?queue=${encodeURIComponent(run.queueName)}` : ''}`;
  return html`<tr data-job="${run.jobId}" data-queue="${run.queueName}" data-status="${run.status}">
    <td>
      <a class="run-link" href="${link}"
        ><span class="job-name">${run.jobName}</span> <span class="muted">#${run.jobId}</span></a
      >${many ? html`<div class="muted small">${run.queueName}</div>` : ''}${tagChips(run.tags)}${run.control?.reason ? html`<div class="muted small">${run.control.action}: ${shortText(run.control.reason, 40)}</div>` : ''}
    </td>
    <td>${badge(run.status)}</td>
    <td class="wide">${progressBar(run.percentage, run.processed, run.status)}</td>
    <td class="num">
      ${count(run.processed)}${run.total === undefined ? '' : html`<span class="muted"> / ${count(run.total)}</span>`}
    </td>
    <td class="num">${rate(run.itemsPerSecond)}</td>
    <td class="num">${duration(run.etaMs)}</td>
    <td class="cursor-cell">${shortJson(run.cursor, 20)}</td>
    <td class="num">${count(run.timesInterrupted)} / ${count(run.timesThrottled)}</td>
    <td class="error-cell">
      ${run.lastError ? html`<span title="${run.lastError}">${errorGist(run.lastError)}</span>` : '–'}
    </td>
    ${readOnly ? '' : html`<td>${controlButtons(run, readOnly)}</td>`}
  </tr>`;
}

/** Tags as the filter field writes them: `shard=db-3,region=eu`. */
export function tagText(tags: RunTags | undefined): string {
  return tags === undefined
    ? ''
    : Object.entries(tags)
        .map(([name, value]) => `${name}=${value}`)
        .join(',');
}
