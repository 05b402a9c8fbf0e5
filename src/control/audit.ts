/**
 * The audit trail of a run: every control action (pause, resume, cancel, retry, restart, replay,
 * and a start from the console or the CLI) records who did it, when, what and why, beside the run.
 * `getRun` returns the entries and the console shows them on the run's page.
 *
 * Who: the console passes the `authorize` hook's principal (or "access token" with the client's
 * address); the CLI passes the operating-system user and host; code that calls the control
 * functions passes `actor`, else the process's user and host are recorded.
 */
import { hostname, userInfo } from 'node:os';

import { runRecordsFor } from '../backends/run-records-for.js';
import type { ControlQueue } from './target.js';

/** What was done to the run. */
export type AuditAction =
  'start' | 'pause' | 'resume' | 'cancel' | 'retry' | 'restart' | 'replay' | (string & {});

/** Where the action came from. */
export type AuditSource = 'console' | 'cli' | 'api';

/** One entry of a run's audit trail. */
export interface AuditEntry {
  /** When (epoch ms). */
  readonly at: number;
  readonly action: AuditAction;
  /** Who: a principal, `user@host`, or what the caller passed as `actor`. */
  readonly actor: string;
  readonly via: AuditSource;
  /** The operator's reason, when one was given. */
  readonly reason?: string;
  /** What the action did beyond its name: `restarted as run 43`, `from cursor {"id":"4822"}`. */
  readonly detail?: string;
}

/** Who is acting, for the audit trail; every control function takes these. */
export interface AuditOptions {
  /**
   * Who is acting: a user name, an email, a service. @defaultValue the process's `user@host`
   */
  readonly actor?: string | undefined;
  /** Where the action comes from. @defaultValue 'api' */
  readonly via?: AuditSource | undefined;
}

const MAX_TEXT = 500;

/**
 * The operating-system user and host of this process, `ada@build-7`, for actions taken from a
 * terminal or from code that names no actor.
 */
export function processActor(): string {
  let user = 'unknown';
  try {
    user = userInfo().username || user;
  } catch {
    // No passwd entry (some containers): the host still says where it came from.
  }
  return `${user}@${hostname()}`;
}

/**
 * Appends an entry to run `jobId`'s audit trail.
 *
 * @example
 * ```ts
 * await recordAudit(queue, '42', 'pause', { actor: 'ada', reason: 'replica rebuild' });
 * ```
 */
export async function recordAudit(
  queue: ControlQueue,
  jobId: string,
  action: AuditAction,
  options: AuditOptions & { readonly reason?: string | undefined; readonly detail?: string },
): Promise<void> {
  const entry: AuditEntry = {
    at: Date.now(),
    action,
    actor: bounded(options.actor) ?? processActor(),
    via: options.via ?? 'api',
    ...(options.reason ? { reason: bounded(options.reason)! } : {}),
    ...(options.detail ? { detail: bounded(options.detail)! } : {}),
  };
  await runRecordsFor(queue.getBackend()).appendAudit(
    { queueName: queue.name, id: jobId },
    JSON.stringify(entry),
  );
}

/** Stored entries, oldest first; unreadable lines are left out. */
export function parseAudit(lines: readonly string[]): AuditEntry[] {
  const entries: AuditEntry[] = [];
  for (const line of lines) {
    try {
      const value = JSON.parse(line) as Partial<AuditEntry> | null;
      if (value && typeof value.at === 'number' && typeof value.action === 'string') {
        entries.push({
          at: value.at,
          action: value.action,
          actor: String(value.actor ?? 'unknown'),
          via: value.via === 'console' || value.via === 'cli' ? value.via : 'api',
          ...(typeof value.reason === 'string' ? { reason: value.reason } : {}),
          ...(typeof value.detail === 'string' ? { detail: value.detail } : {}),
        });
      }
    } catch {
      // A line that is not JSON was not written by this library: skip it.
    }
  }
  return entries;
}

function bounded(text: string | undefined): string | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}
