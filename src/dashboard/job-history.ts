/** A job's recent runs for its page: newest first, over every queue the console shows. */
import { selectEntries } from '../control/run-index.js';
import { describeEntries } from '../control/run-page.js';
import type { QueueAccess } from './access.js';
import type { RunHistory } from './history.js';
import type { JobHistoryRow } from './pages/job.js';
import { entriesOf } from './runs.js';

/** How many runs a job's page lists. */
const RECENT = 20;

export async function readJobHistory(
  access: QueueAccess,
  history: RunHistory,
  jobName: string,
  names: readonly string[],
): Promise<JobHistoryRow[]> {
  const rows = await access.use(async (queues) => {
    const entries = selectEntries(await entriesOf(queues, {}, names), { name: jobName })
      // Newest first whatever the state: a history reads as a timeline.
      .sort((a, b) => b.addedAt - a.addedAt)
      .slice(0, RECENT);
    const runs = await describeEntries((name) => queues.get(name), entries);
    const added = new Map(
      entries.map((entry) => [`${entry.queueName}\u0000${entry.jobId}`, entry.addedAt]),
    );
    return runs.map((run) => ({
      run,
      addedAt: added.get(`${run.queueName}\u0000${run.jobId}`) ?? 0,
    }));
  });
  const at = Date.now();
  for (const row of rows) history.observe(row.run, at);
  return rows;
}
