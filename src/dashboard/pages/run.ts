/**
 * A run's page: its figures, a chart of items processed over time, its params and cursor, the
 * events history (BullMQ's timestamps, the status changes the dashboard saw, the job's log lines),
 * and its skipped items and partitions when the run has them.
 */
import type { SeenChange } from '../history.js';
import type { Sample } from '../history.js';
import type { Html } from '../html.js';
import { html } from '../html.js';
import type { RunDetail } from '../runs.js';
import { auditTrail } from './audit.js';
import { processedChart } from './chart.js';
import { controlButtons } from './controls.js';
import { extraFigures, extraSections } from './extras.js';
import { badge, count, duration, jsonBlock, progressBar, rate, tagChips, time } from './widgets.js';

export interface RunView {
  readonly detail: RunDetail;
  readonly samples: readonly Sample[];
  readonly changes: readonly SeenChange[];
  readonly readOnly: boolean;
}

export function runView({ detail, samples, changes, readOnly }: RunView): Html {
  const { run } = detail;
  const figures: [string, Html | string][] = [
    ['processed', count(run.processed)],
    ['total', count(run.total)],
    ['rate', rate(run.itemsPerSecond)],
    ['ETA', duration(run.etaMs)],
    ['times interrupted', count(run.timesInterrupted)],
    ['times throttled', count(run.timesThrottled)],
    ['time throttled', duration(run.throttledMs)],
    ['time running', duration(run.totalTimeMs)],
    ['attempts made', count(run.attemptsMade)],
    ['BullMQ state', String(run.bullState)],
    ['progress published', time(run.updatedAt)],
    ...extraFigures(run),
  ];
  return html`<section class="run-head">
      <div>
        <h1>
          <span class="job-name">${run.jobName}</span> <span class="muted">#${run.jobId}</span>
        </h1>
        <div class="muted small">queue ${run.queueName}</div>
        ${tagChips(run.tags)}
        <div class="head-line">
          ${badge(run.status)}${run.control ? html` <span class="muted">${run.control.action} requested ${time(run.control.requestedAt)}${run.control.reason ? html`: “${run.control.reason}”` : ''}</span>` : ''}
        </div>
      </div>
      ${controlButtons(run, readOnly, { repairs: true, recordedFailures: detail.recordedFailures })}
    </section>
    <section class="card">
      ${progressBar(run.percentage, run.processed, run.status)}
      <dl class="figures">
        ${figures.map(
          ([label, value]) =>
            html`<div>
              <dt>${label}</dt>
              <dd>${value}</dd>
            </div>`,
        )}
      </dl>
    </section>
    <section class="card">
      <h2>Items processed over time</h2>
      ${processedChart(samples, run.total)}
    </section>
    ${
      run.lastError
        ? html`<section class="card error-card">
            <h2>Last error</h2>
            <pre class="json">${run.lastError}</pre>
          </section>`
        : ''
    }
    <div class="columns">
      <section class="card">
        <h2>Cursor</h2>
        ${jsonBlock(run.cursor)}
      </section>
      <section class="card">
        <h2>Params</h2>
        ${detail.params === undefined ? html`<p class="muted">–</p>` : jsonBlock(detail.params)}
      </section>
    </div>
    ${extraSections(run, detail.skippedItems)}
    <section class="card" id="audit">
      <h2>Audit trail <span class="muted">${count(run.audit.length)}</span></h2>
      ${auditTrail(run.audit)}
    </section>
    <section class="card">
      <h2>Events</h2>
      ${events(detail, changes)}
    </section>
    <section class="card">
      <h2>Job log <span class="muted">${count(detail.logCount)}</span></h2>
      ${
        detail.logs.length === 0
          ? html`<p class="muted">
              No log lines (the job writes them with <code>job.log()</code>).
            </p>`
          : html`<ol class="log" start="${detail.logCount - detail.logs.length + 1}">
              ${detail.logs.map((line) => html`<li><code>${line}</code></li>`)}
            </ol>`
      }
    </section>`;
}

interface EventRow {
  readonly at: number;
  readonly what: Html | string;
  readonly detail: string | undefined;
}

function events(detail: RunDetail, changes: readonly SeenChange[]): Html {
  const rows: EventRow[] = [];
  if (detail.enqueuedAt) rows.push({ at: detail.enqueuedAt, what: 'enqueued', detail: undefined });
  if (detail.startedAt)
    rows.push({ at: detail.startedAt, what: 'last taken by a worker', detail: undefined });
  if (detail.finishedAt) rows.push({ at: detail.finishedAt, what: 'finished', detail: undefined });
  for (const change of changes) {
    rows.push({ at: change.at, what: html`seen ${badge(change.status)}`, detail: change.detail });
  }
  rows.sort((a, b) => a.at - b.at);
  return html`<table class="events">
      <tbody>
        ${rows.map(
          (row) =>
            html`<tr>
              <td class="nowrap">${time(row.at)}</td>
              <td>${row.what}</td>
              <td>${row.detail ?? ''}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    <p class="muted small">Status changes are those this dashboard saw while it ran.</p>`;
}
