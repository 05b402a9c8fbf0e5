/** The Jobs page: the iteration jobs the worker module defines, with their settings and runs. */
import type { AnyIterationJob } from '../../define-job.js';
import type { Html } from '../html.js';
import { html } from '../html.js';
import type { RunList } from '../runs.js';
import { badge, count, duration } from './widgets.js';

interface JobSettings {
  readonly maxRuntimeMs?: number;
  readonly checkpointMode?: string;
  readonly throttle?: unknown;
  readonly parseParams?: unknown;
}

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
      <table>
        <thead>
          <tr>
            <th>Job</th>
            <th>Runs by status</th>
            <th>Checkpoints</th>
            <th class="num">Max runtime</th>
            <th>Throttle</th>
            <th>Params checked</th>
          </tr>
        </thead>
        <tbody>
          ${jobs.map((job) => {
            const settings = job.definition as JobSettings;
            const byStatus = new Map<string, number>();
            for (const run of list.runs) {
              if (run.jobName === job.name)
                byStatus.set(String(run.status), (byStatus.get(String(run.status)) ?? 0) + 1);
            }
            const throttles = Array.isArray(settings.throttle)
              ? settings.throttle.length
              : settings.throttle
                ? 1
                : 0;
            return html`<tr>
              <td>
                <a href="${base}/?name=${encodeURIComponent(job.name)}"
                  ><span class="job-name">${job.name}</span></a
                >
              </td>
              <td>
                ${byStatus.size === 0 ? html`<span class="muted">none</span>` : [...byStatus].map(([status, n]) => html`${badge(status)} <span class="muted">${count(n)}</span> `)}
              </td>
              <td>${settings.checkpointMode ?? 'worker default'}</td>
              <td class="num">
                ${settings.maxRuntimeMs === undefined ? 'worker default' : duration(settings.maxRuntimeMs)}
              </td>
              <td>
                ${throttles === 0 ? 'none' : `${throttles} condition${throttles === 1 ? '' : 's'}`}
              </td>
              <td>${settings.parseParams ? 'yes' : 'no'}</td>
            </tr>`;
          })}
        </tbody>
      </table>
    </div>
  </div>`;
}
