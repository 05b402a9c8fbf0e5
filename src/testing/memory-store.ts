/**
 * A checkpoint store in memory, for runs without a server. It keeps the one rule the Redis and
 * PostgreSQL stores keep: a write lands only while the writer's token is the job's lock, so a run
 * that no longer holds the job (it was requeued, completed or failed) can never move the cursor.
 */
import type { CheckpointStore, JobRef } from '../backends/store.js';

interface Entry {
  state: string | undefined;
  /** The token of the run that holds the job; undefined while the job is not active. */
  lock: string | undefined;
  control: string | undefined;
  claims: string | undefined;
  settings: string | undefined;
  bucket: { tokens: number; at: number } | undefined;
}

export class MemoryCheckpointStore implements CheckpointStore {
  readonly #entries = new Map<string, Entry>();

  /** Hands the job to the run holding `token`, as BullMQ does when a worker takes it. */
  lock(job: JobRef, token: string): void {
    this.#entry(job).lock = token;
  }

  /** Releases the job if `token` still holds it, as BullMQ's moves out of the active state do. */
  unlock(job: JobRef, token: string): void {
    const entry = this.#entry(job);
    if (entry.lock === token) entry.lock = undefined;
  }

  /** The stored state, read synchronously for inspection. */
  peek(job: JobRef): string | undefined {
    return this.#entries.get(key(job))?.state;
  }

  async load(job: JobRef): Promise<string | undefined> {
    return this.peek(job);
  }

  async save(job: JobRef, token: string, json: string): Promise<boolean> {
    const entry = this.#entry(job);
    if (entry.lock !== token) return false;
    entry.state = json;
    return true;
  }

  async loadControl(job: JobRef): Promise<string | undefined> {
    return this.#entries.get(key(job))?.control;
  }

  async setControl(job: JobRef, json: string | null): Promise<void> {
    this.#entry(job).control = json ?? undefined;
  }

  async loadClaims(job: JobRef): Promise<string | undefined> {
    return this.#entries.get(key(job))?.claims;
  }

  async swapClaims(job: JobRef, expected: string | undefined, next: string): Promise<boolean> {
    const entry = this.#entry(job);
    if (entry.claims !== expected) return false;
    entry.claims = next;
    return true;
  }

  async loadSettings(job: JobRef): Promise<string | undefined> {
    return this.#entries.get(key(job))?.settings;
  }

  async swapSettings(job: JobRef, expected: string | undefined, next: string): Promise<boolean> {
    const entry = this.#entry(job);
    if (entry.settings !== expected) return false;
    entry.settings = next;
    return true;
  }

  readonly #slots = new Map<string, Map<string, { taken: number; expires: number }>>();

  async takeSlot(job: JobRef, holder: string, target: number, ttlMs: number) {
    const now = Date.now();
    let slots = this.#slots.get(key(job));
    if (slots === undefined) this.#slots.set(key(job), (slots = new Map()));
    for (const [h, slot] of slots) if (slot.expires < now) slots.delete(h);
    const ranked = [...slots].sort((a, b) => a[1].taken - b[1].taken).map(([h]) => h);
    const rank = ranked.indexOf(holder);
    if (rank >= target) slots.delete(holder);
    else if (rank === -1 && slots.size >= target) return { held: false, holders: slots.size };
    else slots.set(holder, { taken: slots.get(holder)?.taken ?? now, expires: now + ttlMs });
    return { held: slots.has(holder), holders: slots.size };
  }

  async releaseSlot(job: JobRef, holder: string): Promise<void> {
    this.#slots.get(key(job))?.delete(holder);
  }

  async takeTokens(job: JobRef, wanted: number, perSecond: number, burst: number) {
    const entry = this.#entry(job);
    const now = Date.now();
    const bucket = entry.bucket ?? { tokens: burst, at: now };
    const tokens = Math.min(
      burst,
      bucket.tokens + (Math.max(0, now - bucket.at) * perSecond) / 1000,
    );
    const granted = Math.min(wanted, Math.floor(tokens));
    entry.bucket = { tokens: tokens - granted, at: now };
    const waitMs = granted > 0 ? 0 : Math.ceil(((1 - (tokens - granted)) * 1000) / perSecond);
    return { granted, waitMs };
  }

  #entry(job: JobRef): Entry {
    let entry = this.#entries.get(key(job));
    if (entry === undefined) {
      entry = {
        state: undefined,
        lock: undefined,
        control: undefined,
        claims: undefined,
        settings: undefined,
        bucket: undefined,
      };
      this.#entries.set(key(job), entry);
    }
    return entry;
  }
}

function key(job: JobRef): string {
  // JSON keeps a queue name containing the separator from colliding with another job.
  return JSON.stringify([job.queueName, job.id]);
}
