/** What every request of one handler shares: its options, queue access, memory and CSRF token. */
import type { QueueAccess } from './access.js';
import type { RunHistory } from './history.js';
import type { ResolvedDashboardOptions } from './options.js';

export interface RequestContext {
  readonly options: ResolvedDashboardOptions;
  readonly access: QueueAccess;
  readonly history: RunHistory;
  readonly csrfToken: string;
  /** What listRuns is asked for: the limit, and the module's job names. */
  readonly listOptions: { readonly limit: number; readonly names: readonly string[] };
}
