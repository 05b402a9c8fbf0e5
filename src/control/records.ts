/**
 * What `getRun` and `listRuns` add from the run's records: its tags and its audit trail. One read
 * per run, beside the state and control reads status already makes.
 */
import { runRecordsFor } from '../backends/run-records-for.js';
import type { AuditEntry } from './audit.js';
import { parseAudit } from './audit.js';
import type { RunTags } from './tags.js';
import { parseStoredTags } from './tags.js';
import type { ControlQueue } from './target.js';

export interface RunRecords {
  readonly tags: RunTags | undefined;
  readonly audit: readonly AuditEntry[];
}

/** The tags and audit entries of run `jobId`. */
export async function readRunRecords(queue: ControlQueue, jobId: string): Promise<RunRecords> {
  const stored = await runRecordsFor(queue.getBackend()).load({
    queueName: queue.name,
    id: jobId,
  });
  return { tags: parseStoredTags(stored.tags), audit: parseAudit(stored.audit) };
}
