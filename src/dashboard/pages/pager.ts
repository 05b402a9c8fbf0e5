/** Paging links below a table of runs, keeping the filters in the address. */
import type { Html } from '../html.js';
import { html } from '../html.js';
import type { RunFilters, RunList } from '../runs.js';
import { count } from './widgets.js';

/** The filters as a query string (without `?`), with `page` replaced. */
export function filterQuery(filters: RunFilters, page?: number): string {
  const query = new URLSearchParams();
  if (filters.queue) query.set('queue', filters.queue);
  if (filters.status) query.set('status', filters.status);
  if (filters.name) query.set('name', filters.name);
  if (filters.tags) {
    query.set(
      'tags',
      Object.entries(filters.tags)
        .map(([name, value]) => `${name}=${value}`)
        .join(','),
    );
  }
  if (page !== undefined && page > 1) query.set('page', String(page));
  return query.toString();
}

export function pager(base: string, list: RunList, filters: RunFilters): Html {
  const first = (list.page - 1) * list.limit + 1;
  const last = Math.min(list.total, list.page * list.limit);
  const link = (page: number, text: string, rel: string) => {
    const query = filterQuery(filters, page);
    return html`<a class="button small" rel="${rel}" href="${base}/${query ? `?${query}` : ''}"
      >${text}</a
    >`;
  };
  return html`<nav class="pager muted" aria-label="pages">
    <span id="run-count"
      >${count(first)}–${count(last)} of ${count(list.total)}
      run${list.total === 1 ? '' : 's'}</span
    >
    ${list.page > 1 ? link(list.page - 1, '← Newer', 'prev') : ''}
    ${list.page < list.pages ? link(list.page + 1, 'Older →', 'next') : ''}
  </nav>`;
}
