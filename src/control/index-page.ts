/**
 * One page of the run index: the entries of the runs that match a query, from `offset`, with how
 * many match and how many runs each job name has. On PostgreSQL without a status filter the
 * database filters, orders, counts and pages (only the page's rows cross the network); otherwise
 * the index is read (light, or full for a status) and paged in the process.
 */
import { PostgresQueueBackend } from 'bullmq';

import type { IndexPage, IndexPageOptions } from './run-entry.js';
import type { RunEntry, RunQuery } from './run-index.js';
import { runEntries, selectEntries } from './run-index.js';
import type { ControlQueue } from './target.js';
import { requireUsableQueue } from './target.js';

export async function indexPage(
  queue: ControlQueue,
  query: RunQuery,
  options: IndexPageOptions,
): Promise<IndexPage> {
  const backend = queue.getBackend();
  if (!query.status && backend instanceof PostgresQueueBackend) {
    await requireUsableQueue(queue, 'indexPage');
    const { postgresPage } = await import('./index-page-postgres.js');
    return postgresPage(backend, queue.name, query, options);
  }
  const entries = await runEntries(queue, {
    names: options.names,
    detail: query.status ? 'full' : 'light',
    status: query.status,
  });
  const matching = selectEntries(entries, query);
  return {
    total: matching.length,
    entries: matching.slice(options.offset, options.offset + options.limit),
    names: tallyNames(entries),
  };
}

function tallyNames(entries: readonly RunEntry[]): Record<string, number> {
  const names: Record<string, number> = {};
  for (const entry of entries) names[entry.jobName] = (names[entry.jobName] ?? 0) + 1;
  return names;
}

export type { IndexPage, IndexPageOptions } from './run-entry.js';
