/** Small renderings shared by the status table, the plain lines and the worker's log lines. */
import type { RunStatus } from '../../control/status.js';

/** `26,150` */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** `3,120/s`, `12.5/s`, `0.25/s`; `-` when unknown. */
export function formatRate(itemsPerSecond: number | undefined): string {
  if (itemsPerSecond === undefined || !Number.isFinite(itemsPerSecond)) return '-';
  const digits = itemsPerSecond >= 100 ? 0 : itemsPerSecond >= 10 ? 1 : 2;
  return `${itemsPerSecond.toLocaleString('en-US', { maximumFractionDigits: digits })}/s`;
}

/** `52.3%`; `-` when the total is unknown. */
export function formatPercent(percentage: number | undefined): string {
  return percentage === undefined ? '-' : `${percentage.toFixed(1)}%`;
}

/** `26,150/50,000`, or `26,150` when the total is unknown. */
export function formatProcessed(processed: number, total: number | undefined): string {
  return total === undefined
    ? formatCount(processed)
    : `${formatCount(processed)}/${formatCount(total)}`;
}

const FULL = '█';
const EMPTY = '░';

/** A bar `width` cells wide; an unknown fraction draws an empty bar. */
export function progressBar(fraction: number | undefined, width: number): string {
  if (width <= 0) return '';
  const f =
    fraction === undefined || !Number.isFinite(fraction) ? 0 : Math.max(0, Math.min(1, fraction));
  const filled = Math.floor(f * width);
  return FULL.repeat(filled) + EMPTY.repeat(width - filled);
}

/** Cuts `text` to `width` characters, marking the cut with `…`. */
export function truncate(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  return width <= 1 ? chars.slice(0, width).join('') : `${chars.slice(0, width - 1).join('')}…`;
}

export type Tone = 'good' | 'busy' | 'held' | 'bad' | 'quiet';

/** How a status should look in a terminal with colours. */
export function toneOf(status: RunStatus): Tone {
  switch (status) {
    case 'running':
      return 'busy';
    case 'completed':
      return 'good';
    case 'pausing':
    case 'paused':
    case 'throttled':
    case 'interrupted':
    case 'cancelling':
    case 'recovering':
    case 'retry-after':
    case 'shed':
    case 'held':
    case 'waiting-for-version':
      return 'held';
    case 'failed':
    case 'retrying':
    case 'stale':
    case 'unknown-job':
    case 'cancelled':
      return 'bad';
    default:
      return 'quiet';
  }
}

const TONES: Record<Tone, string> = {
  good: '\x1b[32m',
  busy: '\x1b[36m',
  held: '\x1b[33m',
  bad: '\x1b[31m',
  quiet: '\x1b[2m',
};

/** Wraps `text` in the tone's colour when `color` is on; pad before colouring. */
export function paint(text: string, tone: Tone, color: boolean): string {
  return color ? `${TONES[tone]}${text}\x1b[0m` : text;
}
