/**
 * The pause, resume and cancel buttons of a run, offered by its status. They only open the
 * confirmation dialog (the page script does that); the request goes to the JSON API, which
 * refuses what the control API refuses (a finished run, a resume without a pause).
 */
import type { IterationRunInfo } from '../../control/status.js';
import type { Html } from '../html.js';
import { html } from '../html.js';

const FINAL = new Set(['completed', 'cancelled', 'failed']);

export function controlButtons(run: IterationRunInfo, readOnly: boolean): Html | string {
  if (readOnly) return '';
  const status = String(run.status);
  if (FINAL.has(status)) return '';
  const held = status === 'paused' || status === 'pausing';
  const button = (action: 'pause' | 'resume' | 'cancel', text: string, kind: string) =>
    html`<button
      type="button"
      class="button small ${kind}"
      data-action="${action}"
      data-job="${run.jobId}"
      data-name="${run.jobName}"
    >
      ${text}
    </button>`;
  return html`<div class="controls">
    ${held ? button('resume', 'Resume', 'primary') : button('pause', 'Pause', '')}${
      status === 'cancelling' ? '' : button('cancel', 'Cancel', 'danger')
    }
  </div>`;
}
