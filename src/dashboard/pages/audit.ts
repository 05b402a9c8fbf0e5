/** A run's audit trail on its page: who did what, when, from where, and why. */
import type { AuditEntry } from '../../control/audit.js';
import type { Html } from '../html.js';
import { html } from '../html.js';
import { time } from './widgets.js';

export function auditTrail(entries: readonly AuditEntry[]): Html {
  if (entries.length === 0) {
    return html`<p class="muted">
      Nobody has acted on this run yet (pauses, cancels, retries and restarts from the console, the
      CLI or code are recorded here).
    </p>`;
  }
  return html`<table class="audit">
    <thead>
      <tr>
        <th>When</th>
        <th>Action</th>
        <th>Who</th>
        <th>From</th>
        <th>Reason</th>
        <th>Detail</th>
      </tr>
    </thead>
    <tbody>
      ${[...entries].reverse().map(
        (entry) =>
          html`<tr data-action="${entry.action}">
            <td class="nowrap">${time(entry.at)}</td>
            <td><strong>${entry.action}</strong></td>
            <td>${entry.actor}</td>
            <td>${entry.via}</td>
            <td>${entry.reason ?? ''}</td>
            <td>${entry.detail ?? ''}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}
