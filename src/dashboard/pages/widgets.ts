/**
 * The small pieces every page draws: a status badge, a progress bar, numbers, times and JSON.
 * Statuses are any string (a newer runtime may report ones this page does not know); a known one
 * gets its colour from a fixed table, an unknown one a neutral look, and its text is escaped.
 */
import { formatCount, formatRate, toneOf, truncate } from '../../cli/status/format.js';
import type { RunStatus } from '../../control/status.js';
import type { RunTags } from '../../control/tags.js';
import { formatDuration } from '../../throttle/duration.js';
import type { Html } from '../html.js';
import { html } from '../html.js';

/** The CSS class of a status, from a fixed set: never built from the status text itself. */
export function toneClass(status: string): string {
  return `tone-${toneOf(status as RunStatus)}`;
}

export function badge(status: string): Html {
  return html`<span class="badge ${toneClass(status)}" data-status="${status}">${status}</span>`;
}

/**
 * A bar for a known percentage; an indeterminate one (with the count) when the total is unknown.
 * Drawn in SVG: its width is an attribute, which the page's Content-Security-Policy allows where
 * it forbids inline `style`.
 */
export function progressBar(
  percentage: number | undefined,
  processed: number,
  status: string,
): Html {
  if (percentage === undefined || !Number.isFinite(percentage)) {
    return html`<div
      class="bar unknown"
      role="progressbar"
      aria-label="progress"
      aria-valuetext="${formatCount(processed)} items"
    >
      ${track(undefined)}<span class="bar-label">${formatCount(processed)} items</span>
    </div>`;
  }
  const value = Math.max(0, Math.min(100, percentage));
  return html`<div
    class="bar ${toneClass(status)}"
    role="progressbar"
    aria-label="progress"
    aria-valuemin="0"
    aria-valuemax="100"
    aria-valuenow="${value}"
  >
    ${track(value)}<span class="bar-label">${value.toFixed(1)}%</span>
  </div>`;
}

function track(value: number | undefined): Html {
  return html`<svg
    class="bar-track"
    viewBox="0 0 100 8"
    preserveAspectRatio="none"
    aria-hidden="true"
  >
    <rect class="bar-bg" width="100" height="8" rx="2" />
    ${value === undefined ? '' : html`<rect class="bar-fill" width="${value.toFixed(2)}" height="8" rx="2" />`}
  </svg>`;
}

export function count(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '–' : formatCount(value);
}

export function rate(value: number | undefined): string {
  const text = formatRate(value);
  return text === '-' ? '–' : text;
}

export function duration(ms: number | undefined): string {
  return ms === undefined || !Number.isFinite(ms) ? '–' : formatDuration(ms);
}

/** An ISO time for `datetime`, and a short local rendering the page script may refine. */
export function time(at: number | undefined): Html {
  if (at === undefined || !Number.isFinite(at)) return html`–`;
  const iso = new Date(at).toISOString();
  return html`<time datetime="${iso}">${iso.replace('T', ' ').slice(0, 19)} UTC</time>`;
}

/** JSON text of a value, shortened for a table cell (the full text is in the title). */
export function shortJson(value: unknown, width = 40): Html {
  const text = JSON.stringify(value) ?? 'undefined';
  return html`<code title="${text}">${truncate(text, width)}</code>`;
}

/** Pretty JSON in a block. */
export function jsonBlock(value: unknown): Html {
  return html`<pre class="json">${JSON.stringify(value, null, 2) ?? 'undefined'}</pre>`;
}

/** Shortened text with the full text in the title; '–' when there is none. */
export function shortText(text: string | undefined, width = 60): Html {
  if (text === undefined || text === '') return html`–`;
  return html`<span title="${text}">${truncate(text.replace(/\s+/g, ' '), width)}</span>`;
}

/** A run's tags as small chips (`shard=db-3`); nothing when it has none. */
export function tagChips(tags: RunTags | undefined): Html | string {
  if (tags === undefined) return '';
  return html`<div class="tags">
    ${Object.entries(tags).map(
      ([name, value]) => html`<span class="tag" title="${name}=${value}">${name}=${value}</span>`,
    )}
  </div>`;
}
