/**
 * The backend behind a `status --watch`: kept open between refreshes when it is a server (Redis,
 * PostgreSQL, or a worker hosting the embedded database), opened and released around each refresh
 * when this process has to open the embedded database itself, so that a worker starting meanwhile
 * can take the directory. A failed refresh drops the backend and the next one opens it again.
 */
import type { CliBackend, CliQueue } from '../cli-backend.js';
import { settleWithin, withDeadline } from '../deadline.js';
import type { Target } from '../target.js';
import { CLOSE_WITHIN_MS } from '../with-queue.js';

interface Open {
  readonly backend: CliBackend;
  readonly queue: CliQueue;
}

export class StatusSession {
  #open: Open | undefined;
  #where = 'the backend';
  #lastHeld = false;

  constructor(
    readonly target: Target,
    readonly notice: (message: string) => void,
  ) {}

  /** Where the last refresh read from, for the screen's title. */
  get where(): string {
    return this.#where;
  }

  /** Whether the last refresh opened the embedded database in this process. */
  get lastHeldDatabase(): boolean {
    return this.#lastHeld;
  }

  async read<T>(work: (queue: CliQueue, backend: CliBackend) => Promise<T>): Promise<T> {
    const open = this.#open ?? (await this.#connect());
    try {
      return await withDeadline(
        work(open.queue, open.backend),
        this.target.timeoutMs,
        open.backend.description,
        open.backend.lastError,
      );
    } catch (error) {
      await this.close();
      throw error;
    } finally {
      if (open.backend.holdsDatabase) await this.close();
    }
  }

  async close(): Promise<void> {
    const open = this.#open;
    this.#open = undefined;
    if (open === undefined) return;
    await settleWithin(open.queue.close(), CLOSE_WITHIN_MS);
    await settleWithin(open.backend.release(), CLOSE_WITHIN_MS);
  }

  async #connect(): Promise<Open> {
    const { openBackend } = await import('../open-backend.js');
    const backend = await openBackend(this.target.source, {
      role: 'command',
      command: 'status --watch',
      timeoutMs: this.target.timeoutMs,
      notice: this.notice,
    });
    this.#where = backend.description;
    this.#lastHeld = backend.holdsDatabase;
    this.#open = { backend, queue: backend.queue(this.target.queueName) };
    return this.#open;
  }
}
