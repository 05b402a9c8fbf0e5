/** Who the CLI records in a run's audit trail: the operating-system user and host, via `cli`. */
import type { AuditOptions } from '../control/audit.js';
import { processActor } from '../control/audit.js';

/** The audit options every CLI control command passes. */
export function cliAudit(): AuditOptions & { readonly via: 'cli' } {
  return { actor: processActor(), via: 'cli' };
}
