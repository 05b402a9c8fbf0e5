/** The Jobs page: the iteration jobs the worker module defines, with their settings and runs. */
import type { AnyIterationJob } from '../../define-job.js';
import type { Html } from '../html.js';
import { html, segment } from '../html.js';
import type { RunList } from '../runs.js';
import { jobSettings } from './job-settings.js';
import { badge, count } from './widgets.js';

export function jobsView(base: string, jobs: readonly AnyIterationJob[], list: RunList): Html {
  if (jobs.length === 0) {
    return html`<div class="card empty">
      <p>
        Start the dashboard with <code>-m ./jobs.ts</code> to list the jobs a worker module defines.
      </p>
    </div>`;
  }
  return html`<div class="card">
    <div class="table-wrap">
      <table class="jobs">
        <thead>
          <tr>
            <th>Job</th>
            <th>Runs by status</th>
            <th>Checkpoints</th>
            <th class="num">Max runtime</th>
            <th>Throttle</th>
            <th>Params</th>
          </tr>
        </thead>
        <tbody>
          ${jobs.map((job) => {
            const settings = jobSettings(job);
            const byStatus = Object.entries(list.counts.get(job.name) ?? {});
            return html`<tr data-job-name="${job.name}">
              <td>
                <a href="${base}/jobs/${segment(job.name)}"
                  ><span class="job-name">${job.name}</span></a
                >
              </td>
              <td>
                ${byStatus.length === 0 ? html`<span class="muted">none</span>` : byStatus.map(([status, n]) => html`<a href="${base}/?name=${encodeURIComponent(job.name)}&amp;status=${encodeURIComponent(status)}">${badge(status)}</a> <span class="muted">${count(n)}</span> `)}
              </td>
              <td>${settings.checkpoints}</td>
              <td class="num">${settings.maxRuntime}</td>
              <td>${settings.throttle}</td>
              <td>${settings.params}</td>
            </tr>`;
          })}
        </tbody>
      </table>
    </div>
  </div>`;
}
