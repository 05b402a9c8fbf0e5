/**
 * Flow control as the pages show it: why a run is parked (a hold, shed by adaptive concurrency, a
 * step's RetryAfter) with the hold's id or the time it goes on, its rate limit and where the
 * limit comes from, a parallel run's concurrency, and the buttons that set or remove the limit.
 * Everything here is job or operator data, so it goes through the `html` tag (escaped).
 */
import type { IterationRunInfo } from '../../control/status.js';
import type { Html } from '../html.js';
import { html } from '../html.js';
import { count, rate, shortText, time } from './widgets.js';

const FINAL = new Set(['completed', 'cancelled', 'failed']);

/**
 * Why the run has its status, when the status has a cause to show: `hold hold-1a2b: moving db-3`,
 * `until 12:00:03: 429 from the API`, or the status reason of any other status (a throttle's, a
 * stale run's). A pause or cancel reason is shown with its request instead.
 */
export function statusNote(run: IterationRunInfo, width?: number): Html | string {
  const reason = run.statusReason;
  const text = (value: string | undefined) =>
    value === undefined || value === ''
      ? ''
      : width === undefined
        ? value
        : shortText(value, width);
  switch (String(run.status)) {
    case 'held':
      return html`<span class="status-note" data-note="held"
        >${run.hold ? html`hold <code>${run.hold}</code>` : 'held'}${reason ? ': ' : ''}${text(reason)}</span
      >`;
    case 'retry-after':
      return html`<span class="status-note" data-note="retry-after"
        >until ${time(run.waitUntil)}${reason ? ': ' : ''}${text(reason)}</span
      >`;
    default:
      if (reason === undefined || reason === '' || reason === run.control?.reason) return '';
      return html`<span class="status-note" data-note="${run.status}">${text(reason)}</span>`;
  }
}

/** `200/s (set)`; '–' without a limit. */
export function rateLimit(run: IterationRunInfo): Html | string {
  if (run.rate === undefined) return '–';
  return html`<span data-rate-limit="${run.rate.itemsPerSecond}"
    >${rate(run.rate.itemsPerSecond)}
    <span class="muted small">(${sourceText(run.rate.source)})</span></span
  >`;
}

function sourceText(source: string): string {
  switch (source) {
    case 'definition':
      return 'definition';
    case 'enqueue':
      return 'enqueue options';
    case 'set':
      return 'set live';
    default:
      return source;
  }
}

/** `3 active · target 4 · max 8`, with why the target went down; '' without adaptation. */
export function concurrencyText(run: IterationRunInfo): Html | string {
  const c = run.concurrency;
  if (c === undefined) return '';
  const text = `${count(c.active)} active · target ${count(c.target)} · max ${count(c.max)}`;
  const why = c.reason ? html` <span class="muted small">(${c.reason})</span>` : '';
  return html`<span
    class="concurrency"
    data-active="${c.active}"
    data-target="${c.target}"
    data-max="${c.max}"
    >${text}${why}</span
  >`;
}

/** The run page's figures for flow control: its rate limit, concurrency and when it goes on. */
export function flowFigures(run: IterationRunInfo): [string, Html | string][] {
  const figures: [string, Html | string][] = [['rate limit', rateLimit(run)]];
  if (run.concurrency !== undefined) figures.push(['partitions', concurrencyText(run)]);
  if (run.waitUntil !== undefined) figures.push(['waiting until', time(run.waitUntil)]);
  if (run.hold !== undefined) figures.push(['hold', html`<code>${run.hold}</code>`]);
  return figures;
}

/**
 * The run page's rate buttons, while the run is not finished: "Rate limit…" opens the dialog with
 * a rows-per-second field, "Remove limit" appears when there is a limit. The page script sends
 * them to `POST /api/runs/<id>/rate`.
 */
export function rateButtons(run: IterationRunInfo, readOnly: boolean): Html | string {
  if (readOnly || FINAL.has(String(run.status))) return '';
  const button = (action: 'set' | 'remove', text: string) =>
    html`<button
      type="button"
      class="button small"
      data-rate="${action}"
      data-job="${run.jobId}"
      data-queue="${run.queueName}"
      data-name="${run.jobName}"
      data-current="${run.rate?.itemsPerSecond ?? ''}"
    >
      ${text}
    </button>`;
  return html`<div class="controls rate-controls">
    ${button('set', run.rate === undefined ? 'Limit rate…' : 'Change rate…')}${run.rate === undefined ? '' : button('remove', 'Remove limit')}
  </div>`;
}
