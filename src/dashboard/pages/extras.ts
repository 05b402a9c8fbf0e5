/**
 * Fields a run may carry beyond today's IterationRunInfo (a newer runtime adds skipped items,
 * partitions, transient failure counts): shown generically, so the dashboard needs no change to
 * display them and a field it does not know never breaks the page.
 */
import type { IterationRunInfo } from '../../control/status.js';
import type { Html } from '../html.js';
import { html } from '../html.js';
import { badge, count, duration, progressBar, shortJson, time } from './widgets.js';

/** The fields the run page already lays out itself. */
const KNOWN = new Set<string>([
  'queueName',
  'jobId',
  'jobName',
  'status',
  'bullState',
  'cursor',
  'processed',
  'total',
  'percentage',
  'itemsPerSecond',
  'etaMs',
  'timesInterrupted',
  'timesThrottled',
  'throttledMs',
  'totalTimeMs',
  'attemptsMade',
  'lastError',
  'control',
  'updatedAt',
  'tags',
  'audit',
]);

/** Fields with a section of their own below the figures. */
const LISTS = new Set(['skipped', 'skippedItems', 'partitions']);

const MAX_ROWS = 100;
const MAX_COLUMNS = 8;

/** Extra figures: `[label, rendered value]`, for the run page's figure grid. */
export function extraFigures(run: IterationRunInfo): [string, Html | string][] {
  const figures: [string, Html | string][] = [];
  for (const [key, value] of Object.entries(run)) {
    if (KNOWN.has(key) || value === undefined || value === null) continue;
    if (LISTS.has(key) && Array.isArray(value)) continue;
    if (typeof value === 'number') {
      figures.push([label(key), /Ms$/.test(key) ? duration(value) : count(value)]);
    } else if (typeof value === 'string' || typeof value === 'boolean') {
      figures.push([label(key), String(value)]);
    } else figures.push([label(key), shortJson(value, 60)]);
  }
  return figures;
}

/** Sections for list-valued extras (skipped items, partitions); nothing when absent. */
export function extraSections(run: IterationRunInfo, skippedItems: readonly unknown[] = []): Html {
  const record = run as unknown as Record<string, unknown>;
  const skipped = [skippedItems, record.skippedItems, record.skipped].find(
    (list) => Array.isArray(list) && list.length > 0,
  ) as unknown[] | undefined;
  const partitions = Array.isArray(record.partitions)
    ? (record.partitions as unknown[])
    : undefined;
  return html`${skipped && skipped.length > 0 ? section('Skipped items', 'skipped', skipped) : ''}${
    partitions && partitions.length > 0 ? section('Partitions', 'partitions', partitions) : ''
  }`;
}

function section(title: string, id: string, rows: readonly unknown[]): Html {
  const shown = rows.slice(0, MAX_ROWS);
  const objects = shown.every(
    (row) => typeof row === 'object' && row !== null && !Array.isArray(row),
  );
  const more =
    rows.length > shown.length
      ? html`<p class="muted">Showing ${MAX_ROWS} of ${count(rows.length)}.</p>`
      : '';
  if (!objects) {
    return html`<section class="card" id="${id}">
      <h2>${title} <span class="muted">${count(rows.length)}</span></h2>
      <ul class="plain">
        ${shown.map((row) => html`<li>${shortJson(row, 120)}</li>`)}
      </ul>
      ${more}
    </section>`;
  }
  const records = shown as Record<string, unknown>[];
  const columns = [...new Set(records.flatMap((row) => Object.keys(row)))].slice(0, MAX_COLUMNS);
  const bar = columns.includes('processed');
  return html`<section class="card" id="${id}">
    <h2>${title} <span class="muted">${count(rows.length)}</span></h2>
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            ${columns.map((c) => html`<th>${label(c)}</th>`)}${bar ? html`<th>progress</th>` : ''}
          </tr>
        </thead>
        <tbody>
          ${records.map(
            (row) =>
              html`<tr>
                ${columns.map((c) => html`<td>${cell(c, row[c])}</td>`)}${bar ? html`<td>${partitionBar(row)}</td>` : ''}
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
    ${more}
  </section>`;
}

function cell(column: string, value: unknown): Html | string {
  if (value === undefined || value === null) return '–';
  if (column === 'status' && typeof value === 'string') return badge(value);
  if (column === 'at' && typeof value === 'number') return time(value);
  if (typeof value === 'number') return /Ms$/.test(column) ? duration(value) : count(value);
  if (typeof value === 'string') return value;
  return shortJson(value, 50);
}

function partitionBar(row: Record<string, unknown>): Html | string {
  const processed = typeof row.processed === 'number' ? row.processed : 0;
  const total = typeof row.total === 'number' ? row.total : undefined;
  const percentage =
    typeof row.percentage === 'number'
      ? row.percentage
      : total !== undefined && total > 0
        ? Math.min(100, (processed / total) * 100)
        : undefined;
  return progressBar(percentage, processed, typeof row.status === 'string' ? row.status : '');
}

/** `transientFailures` → `transient failures` */
function label(key: string): string {
  return key
    .replace(/Ms$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase();
}
