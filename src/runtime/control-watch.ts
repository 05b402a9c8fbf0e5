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

  readonly #settingsRef: JobRef;
  readonly #onSettings: (settings: string | undefined) => void;
  readonly #onPoll: (() => Promise<unknown>) | undefined;

  constructor(options: {
    store: CheckpointStore;
    ref: JobRef;
    /** Whose live settings apply (the run's: a partition's parent). */
    settingsRef: JobRef;
    onRequest: (request: RunRequest) => void;
    onSettings: (settings: string | undefined) => void;
    /** Also asked with each poll (adaptive concurrency's admission). */
    onPoll?: () => Promise<unknown>;
    onError: (error: unknown) => void;
  }) {
    this.#store = options.store;
    this.#ref = options.ref;
    this.#settingsRef = options.settingsRef;
    this.#onRequest = options.onRequest;
    this.#onSettings = options.onSettings;
    this.#onPoll = options.onPoll;
    this.#onError = options.onError;
  }

  /** Reads the current request once. */
  async read(): Promise<RunRequest | undefined> {
    return parseRunRequest(await this.#store.loadControl(this.#ref));
  }

  /** Reads the run's live settings once and hands them over. */
  async readSettings(): Promise<void> {
    this.#onSettings(await this.#store.loadSettings(this.#settingsRef));
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
      const [request, settings] = await Promise.all([
        this.read(),
        this.#store.loadSettings(this.#settingsRef),
      ]);
      if (this.#timer === undefined) return;
      this.#onSettings(settings);
      if (request !== undefined) this.#onRequest(request);
      else await this.#onPoll?.();
    } catch (error) {
      this.#onError(error);
    } finally {
      this.#reading = false;
    }
  }
}
