/**
 * Watches a running job for operators' requests. Requests come from other processes and machines,
 * so the run polls the store: once at the start of the run and then every `controlPollIntervalMs`
 * (one small read per running job per interval, off the per-item path). A request found stops the
 * run at its next item boundary through the run's own signal.
 */
import type { CheckpointStore, JobRef } from '../backends/store.js';
import type { RunRequest } from './control-request.js';
import { parseRunRequest } from './control-request.js';

export class ControlWatch {
  #timer: NodeJS.Timeout | undefined;
  #reading = false;
  readonly #store: CheckpointStore;
  readonly #ref: JobRef;
  readonly #onRequest: (request: RunRequest) => void;
  readonly #onError: (error: unknown) => void;

  constructor(options: {
    store: CheckpointStore;
    ref: JobRef;
    onRequest: (request: RunRequest) => void;
    onError: (error: unknown) => void;
  }) {
    this.#store = options.store;
    this.#ref = options.ref;
    this.#onRequest = options.onRequest;
    this.#onError = options.onError;
  }

  /** Reads the current request once. */
  async read(): Promise<RunRequest | undefined> {
    return parseRunRequest(await this.#store.loadControl(this.#ref));
  }

  start(intervalMs: number): void {
    this.#timer = setInterval(() => void this.#poll(), intervalMs);
    // A poll must never keep a closing process alive.
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #poll(): Promise<void> {
    // A slow store must not pile reads up.
    if (this.#reading) return;
    this.#reading = true;
    try {
      const request = await this.read();
      if (request !== undefined && this.#timer !== undefined) this.#onRequest(request);
    } catch (error) {
      this.#onError(error);
    } finally {
      this.#reading = false;
    }
  }
}
