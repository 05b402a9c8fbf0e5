/**
 * What the console keeps beside a run that is neither its checkpoint nor its control request: the
 * run's tags and its audit trail. Like the iteration state they live with the job (a field of its
 * hash on Redis, rows that cascade with its row on PostgreSQL), so they go away when BullMQ
 * removes the job, and the runtime never reads them.
 */
import type { JobRef } from './store.js';

/** How many audit entries a run keeps; older ones are dropped first. */
export const MAX_AUDIT_ENTRIES = 200;

/** The stored records of one run, as JSON text. */
export interface StoredRecords {
  /** The tags object, or `undefined` when the run has none. */
  readonly tags: string | undefined;
  /** Audit entries, oldest first. */
  readonly audit: readonly string[];
}

export interface RunRecordsStore {
  load(job: JobRef): Promise<StoredRecords>;
  /** Stores the tags of a job that exists (nothing for a job that is gone). */
  setTags(job: JobRef, json: string): Promise<void>;
  /** Appends one audit entry, keeping the newest {@link MAX_AUDIT_ENTRIES}. */
  appendAudit(job: JobRef, json: string): Promise<void>;
}
