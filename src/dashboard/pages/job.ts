/**
 * A job's page: its settings, its params' schema, the "New run" form, and its recent runs (the
 * history: outcome, items, duration, who started it), which refresh live.
 */
import type { IterationRunInfo } from '../../control/status.js';
import type { AnyIterationJob } from '../../define-job.js';
import { errorGist } from '../error-gist.js';
import type { Html } from '../html.js';
import { html, segment } from '../html.js';
import type { JsonSchema } from '../params-form/json-schema.js';
import { jobSettings } from './job-settings.js';
import type { NewRunForm } from './new-run.js';
import { newRunForm } from './new-run.js';
import { badge, count, duration, jsonBlock, time } from './widgets.js';

export interface JobHistoryRow {
  readonly run: IterationRunInfo;
  /** When it was enqueued (epoch ms). */
  readonly addedAt: number;
}

/** The fixed part of a job's page: its settings, schema and form. */
export function jobHead(
  base: string,
  job: AnyIterationJob,
  schema: JsonSchema | undefined,
  form: NewRunForm | undefined,
): Html {
  const settings = jobSettings(job);
  return html`<section class="run-head">
      <div>
        <h1><span class="job-name">${job.name}</span></h1>
        <a class="small" href="${base}/?name=${encodeURIComponent(job.name)}">all its runs →</a>
      </div>
    </section>
    <div class="columns">
      <section class="card">
        <h2>Settings</h2>
        <dl class="settings">
          ${settings.all.map(
            ([label, value]) =>
              html`<dt>${label}</dt>
                <dd>${value}</dd>`,
          )}
        </dl>
        ${
          schema === undefined
            ? ''
            : html`<h2>Params schema</h2>
                ${jsonBlock(schema)}`
        }
      </section>
      ${form === undefined ? html`<section class="card muted">Read-only: no new runs from here.</section>` : newRunForm(form)}
    </div>`;
}

/** The live part: the job's recent runs, newest first. */
export function jobHistory(base: string, rows: readonly JobHistoryRow[], many: boolean): Html {
  if (rows.length === 0) {
    return html`<section class="card empty"><p>No runs of this job yet.</p></section>`;
  }
  return html`<section class="card">
    <h2>Recent runs</h2>
    <div class="table-wrap">
      <table class="history">
        <thead>
          <tr>
            <th>Run</th>
            <th>Status</th>
            <th>Enqueued</th>
            <th>Started by</th>
            <th class="num">Items</th>
            <th class="num">Running time</th>
            <th>Last error</th>
          </tr>
        </thead>
        <tbody>
          ${rows.map(({ run, addedAt }) => {
            const start = run.audit.find((entry) => entry.action === 'start');
            const query = many ? `?queue=${encodeURIComponent(run.queueName)}` : '';
            return html`<tr data-job="${run.jobId}" data-status="${run.status}">
              <td>
                <a class="run-link" href="${base}/runs/${segment(run.jobId)}${query}"
                  >#${run.jobId}</a
                >${many ? html` <span class="muted small">${run.queueName}</span>` : ''}
              </td>
              <td>${badge(run.status)}</td>
              <td class="nowrap">${time(addedAt)}</td>
              <td>
                ${start ? html`${start.actor} <span class="muted small">${start.via}</span>` : html`<span class="muted">–</span>`}
              </td>
              <td class="num">
                ${count(run.processed)}${run.total === undefined ? '' : html`<span class="muted"> / ${count(run.total)}</span>`}
              </td>
              <td class="num">${duration(run.totalTimeMs)}</td>
              <td class="error-cell">
                ${run.lastError ? html`<span title="${run.lastError}">${errorGist(run.lastError)}</span>` : '–'}
              </td>
            </tr>`;
          })}
        </tbody>
      </table>
    </div>
  </section>`;
}
