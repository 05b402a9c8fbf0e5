/**
 * The console's queues in `bullmq-iteration dashboard`: the queues named by `--queue a,b`, or
 * every queue of the backend (`--all-queues`, looked up again every ten seconds), reached through
 * the status session. On a server the queues are kept open between requests; on an embedded
 * database this process opened itself, they are opened and closed inside each use, as the session
 * releases the database after each read.
 */
import type { CliBackend, CliQueue } from '../cli/cli-backend.js';
import { settleWithin } from '../cli/deadline.js';
import type { StatusSession } from '../cli/status/session.js';
import { CLOSE_WITHIN_MS } from '../cli/with-queue.js';
import { queueNames } from '../control/queue-names.js';
import type { QueueAccess } from './access.js';
import { queueSet } from './access.js';

/** The queues to show: these names (the first is the default), or every queue of the backend. */
export type QueueSelection =
  | { readonly all: false; readonly names: readonly string[] }
  | { readonly all: true; readonly names: readonly string[] };

const DISCOVER_EVERY_MS = 10_000;

export interface CliAccess extends QueueAccess {
  /** Closes the queues kept open between uses (the session closes its own). */
  close(): Promise<void>;
}

export function cliAccess(session: StatusSession, selection: QueueSelection): CliAccess {
  let kept: { backend: CliBackend; queues: Map<string, CliQueue> } | undefined;
  let discovered: { names: string[]; at: number } | undefined;
  const closeKept = async () => {
    const old = kept;
    kept = undefined;
    if (old !== undefined) {
      await Promise.all(
        [...old.queues.values()].map((q) => settleWithin(q.close(), CLOSE_WITHIN_MS)),
      );
    }
  };
  return {
    defaultQueue: session.target.queueName,
    use: (work) =>
      session.read(async (own, backend) => {
        if (kept !== undefined && kept.backend !== backend) await closeKept();
        const temporary = new Map<string, CliQueue>();
        const open = (name: string): CliQueue => {
          if (name === own.name) return own;
          const pool = backend.holdsDatabase
            ? temporary
            : (kept ??= { backend, queues: new Map() }).queues;
          let queue = pool.get(name);
          if (queue === undefined) {
            queue = backend.queue(name);
            pool.set(name, queue);
          }
          return queue;
        };
        try {
          let names = selection.names;
          if (selection.all) {
            if (discovered === undefined || Date.now() - discovered.at > DISCOVER_EVERY_MS) {
              discovered = { names: await queueNames(own), at: Date.now() };
            }
            // The named queues first (the default among them), then the others found.
            names = [...new Set([...selection.names, ...discovered.names])];
          }
          return await work(queueSet(names.map(open)));
        } finally {
          await Promise.all(
            [...temporary.values()].map((q) => settleWithin(q.close(), CLOSE_WITHIN_MS)),
          );
        }
      }),
    close: closeKept,
  };
}
