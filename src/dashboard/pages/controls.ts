/**
 * The buttons of a run, offered by its status: pause, resume and cancel while it is alive; the
 * repairs once it has ended (retry a failed run at its cursor, restart from the beginning or from
 * a cursor, replay the items it skipped). They only open the confirmation dialog (the page script
 * does that); the request goes to the JSON API, which refuses what the control API refuses.
 */
import type { IterationRunInfo } from '../../control/status.js';
import type { Html } from '../html.js';
import { html } from '../html.js';

const FINAL = new Set(['completed', 'cancelled', 'failed']);

type Action = 'pause' | 'resume' | 'cancel' | 'retry' | 'restart' | 'restart-from' | 'replay';

export function controlButtons(
  run: IterationRunInfo,
  readOnly: boolean,
  options: { readonly repairs?: boolean; readonly recordedFailures?: number } = {},
): Html | string {
  if (readOnly) return '';
  const status = String(run.status);
  const button = (action: Action, text: string, kind: string) =>
    html`<button
      type="button"
      class="button small ${kind}"
      data-action="${action}"
      data-job="${run.jobId}"
      data-queue="${run.queueName}"
      data-name="${run.jobName}"
      ${action === 'restart-from' ? html` data-cursor="${JSON.stringify(run.cursor)}"` : ''}
    >
      ${text}
    </button>`;
  if (FINAL.has(status)) {
    // The runs table offers a retry of a failed run; the run's page offers every repair.
    if (!options.repairs)
      return status === 'failed'
        ? html`<div class="controls">${button('retry', 'Retry', 'primary')}</div>`
        : '';
    return html`<div class="controls">
      ${status === 'failed' ? button('retry', 'Retry at cursor', 'primary') : ''}${button(
        'restart',
        'Restart',
        '',
      )}${button('restart-from', 'Restart from…', '')}${(options.recordedFailures ?? 0) > 0 ? button('replay', 'Replay skipped', '') : ''}
    </div>`;
  }
  const held = status === 'paused' || status === 'pausing';
  return html`<div class="controls">
    ${held ? button('resume', 'Resume', 'primary') : button('pause', 'Pause', '')}${
      status === 'cancelling' ? '' : button('cancel', 'Cancel', 'danger')
    }
  </div>`;
}
