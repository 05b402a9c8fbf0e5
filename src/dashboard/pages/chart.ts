/**
 * The run page's chart of items processed over time: an inline SVG drawn on the server from the
 * samples the dashboard keeps (see history.ts). Only numbers go into its attributes; its labels
 * are escaped like any other text.
 */
import type { Sample } from '../history.js';
import type { Html } from '../html.js';
import { html } from '../html.js';
import { count, duration } from './widgets.js';

const WIDTH = 960;
const HEIGHT = 220;
const PAD = { left: 64, right: 16, top: 12, bottom: 28 };

/** The chart, or a note while fewer than two samples exist. */
export function processedChart(samples: readonly Sample[], total: number | undefined): Html {
  if (samples.length < 2) {
    return html`<p class="muted chart-empty">
      The chart fills in while this page is open: the dashboard samples the run at every refresh.
    </p>`;
  }
  const first = samples[0]!;
  const last = samples.at(-1)!;
  const spanMs = Math.max(1, last.at - first.at);
  const top = Math.max(1, total ?? 0, ...samples.map((s) => s.processed));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (at: number) => PAD.left + ((at - first.at) / spanMs) * plotW;
  const y = (processed: number) => PAD.top + plotH - (processed / top) * plotH;
  const points = samples.map((s) => `${x(s.at).toFixed(1)},${y(s.processed).toFixed(1)}`).join(' ');
  const area = `${PAD.left},${PAD.top + plotH} ${points} ${x(last.at).toFixed(1)},${PAD.top + plotH}`;
  const gridlines = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const value = Math.round(top * f);
    return html`<line
        class="grid"
        x1="${PAD.left}"
        x2="${WIDTH - PAD.right}"
        y1="${y(value).toFixed(1)}"
        y2="${y(value).toFixed(1)}"
      /><text class="axis" x="${PAD.left - 8}" y="${(y(value) + 4).toFixed(1)}" text-anchor="end"
        >${count(value)}</text
      >`;
  });
  return html`<svg
    class="chart"
    viewBox="0 0 ${WIDTH} ${HEIGHT}"
    role="img"
    aria-label="items processed over the last ${duration(spanMs)}"
  >
    ${gridlines}
    <polygon class="chart-area" points="${area}" />
    <polyline class="chart-line" points="${points}" />
    <circle
      class="chart-dot"
      cx="${x(last.at).toFixed(1)}"
      cy="${y(last.processed).toFixed(1)}"
      r="3.5"
    />
    <text class="axis" x="${PAD.left}" y="${HEIGHT - 8}">${duration(spanMs)} ago</text>
    <text class="axis" x="${WIDTH - PAD.right}" y="${HEIGHT - 8}" text-anchor="end">now</text>
  </svg>`;
}
