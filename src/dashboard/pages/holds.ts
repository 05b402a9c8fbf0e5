/**
 * The holds page: the holds of the console's queues (id, tags, reason, since when), each with a
 * link to the runs it covers and a Release button; above them, the form that creates a hold over
 * some tags. The list is the live region; the form stays put, so typing is never refreshed away.
 * The buttons and the form only go through the page script (the confirmation dialog, `post`).
 */
import type { QueueHold } from '../holds-api.js';
import type { Html } from '../html.js';
import { html } from '../html.js';
import { tagText } from './runs.js';
import { count, tagChips, time } from './widgets.js';

export function holdsList(
  base: string,
  holds: readonly QueueHold[],
  many: boolean,
  readOnly: boolean,
): Html {
  if (holds.length === 0) {
    return html`<div class="card empty" id="holds">
      <p>
        No holds: every run goes on. A hold parks the runs whose tags include all of its tags (a
        data move under way) until it is released.
      </p>
    </div>`;
  }
  return html`<div class="card" id="holds">
    <h2>Holds <span class="muted">${count(holds.length)}</span></h2>
    <div class="table-wrap">
      <table class="holds">
        <thead>
          <tr>
            <th>Hold</th>
            ${many ? html`<th>Queue</th>` : ''}
            <th>Tags</th>
            <th>Reason</th>
            <th>Since</th>
            <th>Runs</th>
            ${readOnly ? '' : html`<th></th>`}
          </tr>
        </thead>
        <tbody>
          ${holds.map((hold) => row(base, hold, many, readOnly))}
        </tbody>
      </table>
    </div>
  </div>`;
}

function row(base: string, hold: QueueHold, many: boolean, readOnly: boolean): Html {
  const query = new URLSearchParams({ tags: tagText(hold.tags) });
  if (many) query.set('queue', hold.queueName);
  const held = new URLSearchParams(query);
  held.set('status', 'held');
  return html`<tr data-hold="${hold.id}" data-queue="${hold.queueName}">
    <td><code>${hold.id}</code></td>
    ${many ? html`<td>${hold.queueName}</td>` : ''}
    <td>${tagChips(hold.tags)}</td>
    <td class="hold-reason">${hold.reason}</td>
    <td class="nowrap">${time(hold.createdAt)}</td>
    <td class="nowrap">
      <a href="${base}/?${held.toString()}">held</a> ·
      <a href="${base}/?${query.toString()}">all tagged</a>
    </td>
    ${
      readOnly
        ? ''
        : html`<td>
            <div class="controls">
              <button
                type="button"
                class="button small primary"
                data-release="${hold.id}"
                data-queue="${hold.queueName}"
                data-tags="${tagText(hold.tags)}"
              >
                Release
              </button>
            </div>
          </td>`
    }
  </tr>`;
}

/** The form that creates a hold; none in read-only mode. */
export function holdForm(
  queues: readonly string[],
  defaultQueue: string,
  readOnly: boolean,
  tokenRequired: boolean,
): Html | string {
  if (readOnly) return '';
  return html`<form class="card hold-form" id="hold-form" novalidate>
    <h2>New hold</h2>
    <p class="muted small">
      Parks every run of the queue whose tags include all of these at its next item boundary (within
      about a second), and keeps runs with them that start later parked, until released.
    </p>
    <div class="hold-fields">
      ${
        queues.length > 1
          ? html`<label class="field"
              >Queue
              <select name="queue">
                ${queues.map(
                  (name) =>
                    html`<option value="${name}" ${name === defaultQueue ? html` selected` : ''}>
                      ${name}
                    </option>`,
                )}
              </select></label
            >`
          : ''
      }
      <label class="field"
        >Tags <span class="muted">(name=value, comma-separated)</span>
        <input name="tags" required placeholder="shard=db-3" autocomplete="off" spellcheck="false"
      /></label>
      <label class="field"
        >Reason <span class="muted">(shown on every held run)</span>
        <input
          name="reason"
          required
          maxlength="500"
          autocomplete="off"
          placeholder="moving db-3 to db-7"
      /></label>
      ${
        tokenRequired
          ? html`<label class="field" id="hold-token-field" hidden
              >Access token <span class="muted">(printed when the dashboard started)</span>
              <input name="token" type="password" autocomplete="off" spellcheck="false"
            /></label>`
          : ''
      }
    </div>
    <p class="error" id="hold-error" role="alert" hidden></p>
    <div class="actions">
      <button type="submit" class="button primary" id="hold-go">Hold runs</button>
    </div>
  </form>`;
}
