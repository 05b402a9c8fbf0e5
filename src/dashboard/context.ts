/** What every request of one handler shares: its options, queue access, memory and CSRF token. */
import type { QueueAccess } from './access.js';
import type { RunHistory } from './history.js';
import type { ResolvedDashboardOptions } from './options.js';
import type { UploadStore } from './uploads/store.js';

export interface RequestContext {
  readonly options: ResolvedDashboardOptions;
  readonly access: QueueAccess;
  readonly history: RunHistory;
  readonly csrfToken: string;
  /** The job names of the module: their runs are listed before they first start. */
  readonly names: readonly string[];
  /** Where uploaded CSV files go; `undefined` when uploads are off. */
  readonly uploads: UploadStore | undefined;
}

/** Where a request goes, below the handler's mount point. */
export interface Where {
  /** Prefix for links: where the handler is mounted. */
  readonly base: string;
  /** The path below it. */
  readonly path: string;
  readonly query: URLSearchParams;
}
