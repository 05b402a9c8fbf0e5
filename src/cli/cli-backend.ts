/**
 * What a command gets to work with, whichever backend it is on: queues that never crash the
 * process on a connection error (errors are kept for the message of a deadline that expires
 * instead), a worker factory where this process may run one, and `release`.
 */
import type { Connection } from '../connect.js';

export type CliQueue = ReturnType<Connection['queue']>;

export interface CliBackend {
  readonly kind: 'redis' | 'postgres' | 'embedded';
  /** Where it points, without credentials: for messages. */
  readonly description: string;
  /** A BullMQ Queue on the backend; close it before `release`. */
  queue(name: string): CliQueue;
  /** Present when this process may run a worker here (not a client of another's database). */
  readonly worker: Connection['worker'] | undefined;
  /**
   * True when this process opened the embedded database itself: others wait while it holds it,
   * so a long-running command releases it between uses.
   */
  readonly holdsDatabase: boolean;
  /** The last connection error a queue reported, for timeout messages. */
  lastError(): string | undefined;
  /** Closes what opening took: the embedded database and its lock, if held. */
  release(): Promise<void>;
}

export interface OpenOptions {
  /** `worker` hosts the embedded database for others; `command` holds it only briefly. */
  readonly role: 'worker' | 'command';
  /** For the embedded lock's record and messages: `enqueue`, `status --watch`. */
  readonly command: string;
  readonly timeoutMs: number;
  /** Progress notes for a person (waiting for a lock, a stale lock cleared). */
  readonly notice: (message: string) => void;
}

/** Wraps a `Connection` so its queues record errors instead of throwing them. */
export function fromConnection(
  connection: Pick<Connection, 'queue' | 'kind'> & { readonly worker?: Connection['worker'] },
  description: string,
  release: () => Promise<void>,
  holdsDatabase = false,
): CliBackend {
  let last: string | undefined;
  return {
    kind: connection.kind,
    description,
    queue(name) {
      const queue = connection.queue(name);
      // An 'error' event without a listener would throw and end the process mid-command.
      queue.on('error', (error: Error) => {
        last = error.message || error.name;
      });
      return queue;
    },
    worker: connection.worker,
    holdsDatabase,
    lastError: () => last,
    release,
  };
}
