// Who closes what after a test. Every Worker, Queue, QueueEvents, Redis client or pg pool a test
// creates is tracked here; test/setup/leaks.ts releases them after each test. A Worker the test
// itself left open fails the test: a leaked worker keeps polling, holds connections and takes
// jobs meant for the next test, which shows up far away as a flaky, unrelated failure.
import { QueueBase, Worker } from 'bullmq';

/** Anything with a way to close it: BullMQ classes (`close`), ioredis (`quit`), pg (`end`). */
export type Closable =
  { close(): Promise<unknown> } | { quit(): Promise<unknown> } | { end(): Promise<unknown> };

export interface TrackOptions {
  /** Name used in messages. @defaultValue the queue name for BullMQ classes, else the class name */
  readonly name?: string;
  /**
   * Fail the test when the resource is still open afterwards. @defaultValue true for BullMQ
   * Workers, false for everything else (closed silently)
   */
  readonly failIfLeftOpen?: boolean;
  /** Replaces the default way of closing, e.g. to obliterate a queue before closing it. */
  readonly close?: () => Promise<unknown>;
}

interface Entry {
  readonly name: string;
  readonly failIfLeftOpen: boolean;
  isOpen(): boolean;
  close(): Promise<unknown>;
}

/** How long one close may take before it is reported instead of hanging the run. */
const CLOSE_TIMEOUT_MS = 10_000;

/** A set of open resources, released together. `scope` only words the messages. */
export class ResourceRegistry {
  readonly #entries = new Map<object, Entry>();

  constructor(readonly scope: 'test' | 'suite') {}

  /** Registers `resource` (once; later calls are no-ops) and returns it. */
  track<T extends Closable>(resource: T, options: TrackOptions = {}): T {
    if (!this.#entries.has(resource)) this.#entries.set(resource, entryFor(resource, options));
    return resource;
  }

  has(resource: object): boolean {
    return this.#entries.has(resource);
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * Closes everything tracked: workers first (force-closed when still open), then the rest in
   * reverse order of tracking. Returns one message per problem, empty when all was clean.
   */
  async release(): Promise<string[]> {
    const entries = [...this.#entries.values()].reverse();
    this.#entries.clear();
    const problems: string[] = [];
    const workers = entries.filter((entry) => entry.failIfLeftOpen);
    const others = entries.filter((entry) => !entry.failIfLeftOpen);
    // Workers go first so that no processor is still writing to a queue being obliterated.
    for (const entry of workers) {
      if (entry.isOpen()) {
        problems.push(
          this.scope === 'test'
            ? `test left worker ${entry.name} open; close it in the test`
            : `suite left worker ${entry.name} open; close it in afterAll`,
        );
      }
    }
    await Promise.all(workers.map((entry) => closeWithin(entry, problems)));
    for (const entry of others) await closeWithin(entry, problems);
    return problems;
  }
}

/** Resources created while a test runs; released after that test. */
export const testResources = new ResourceRegistry('test');
/** Resources created outside any test (beforeAll, module scope); released after the file. */
export const suiteResources = new ResourceRegistry('suite');

let testRunning = false;

/** Called by test/setup/leaks.ts around each test; not for tests themselves. */
export function setTestRunning(running: boolean): void {
  testRunning = running;
}

/**
 * Tracks `resource` so it is closed after the current test (or after the file, when called
 * outside a test). Returns it, so construction and tracking fit in one expression.
 *
 * @example
 * const events = track(new QueueEvents(name, { connection }));
 */
export function track<T extends Closable>(resource: T, options?: TrackOptions): T {
  if (isTracked(resource)) return resource;
  return (testRunning ? testResources : suiteResources).track(resource, options);
}

/** Whether `resource` is tracked and not yet released. */
export function isTracked(resource: object): boolean {
  return testResources.has(resource) || suiteResources.has(resource);
}

const autoTracked = Symbol.for('bullmq-iteration.test.autoTrackedWorkers');
const currentTracker = Symbol.for('bullmq-iteration.test.currentWorkerTracker');
type TrackerSlot = { [currentTracker]?: (worker: Worker) => void };

/**
 * Makes every BullMQ Worker that starts running register itself, so a worker created deep inside
 * library code is caught as well as one a test built directly. Idempotent.
 */
export function trackWorkersAutomatically(): void {
  // bullmq is loaded once per process and outlives this module, which vitest may load afresh for
  // each test file: the patch must reach the registries of whichever copy is current.
  (globalThis as TrackerSlot)[currentTracker] = (worker) => track(worker);
  const prototype = Worker.prototype as Worker & { [autoTracked]?: true };
  if (prototype[autoTracked]) return;
  const run = prototype.run;
  prototype.run = function (this: Worker) {
    (globalThis as TrackerSlot)[currentTracker]?.(this);
    return run.call(this);
  };
  prototype[autoTracked] = true;
}

function entryFor(resource: Closable, options: TrackOptions): Entry {
  const isWorker = resource instanceof Worker;
  return {
    name: options.name ?? nameOf(resource),
    failIfLeftOpen: options.failIfLeftOpen ?? isWorker,
    isOpen: () => isOpen(resource),
    close:
      options.close ??
      (() => {
        if (!isOpen(resource)) return settle(resource);
        if (isWorker) return resource.close(true);
        return closeDefault(resource);
      }),
  };
}

function nameOf(resource: Closable): string {
  const name = (resource as { name?: unknown }).name;
  return typeof name === 'string' && name !== '' ? name : resource.constructor.name;
}

/** Open unless the resource says otherwise; each library says it differently. */
function isOpen(resource: Closable): boolean {
  // BullMQ sets `closing` on the first close() call and never clears it.
  if (resource instanceof QueueBase) return resource.closing === undefined;
  // ioredis: 'end' once quit or disconnected.
  if ('status' in resource) return resource.status !== 'end';
  // pg.Pool: `ended` once end() was called.
  if ('ended' in resource) return resource.ended !== true;
  return true;
}

/** Waits for a close the test already started (BullMQ keeps the promise in `closing`). */
async function settle(resource: Closable): Promise<unknown> {
  return resource instanceof QueueBase ? resource.closing : undefined;
}

function closeDefault(resource: Closable): Promise<unknown> {
  if ('close' in resource) return resource.close();
  if ('quit' in resource) return resource.quit();
  return resource.end();
}

async function closeWithin(entry: Entry, problems: string[]): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), CLOSE_TIMEOUT_MS);
  });
  try {
    const outcome = await Promise.race([entry.close(), timedOut]);
    if (outcome === 'timeout') {
      problems.push(`closing ${entry.name} did not finish within ${CLOSE_TIMEOUT_MS} ms`);
    }
  } catch (error) {
    problems.push(
      `closing ${entry.name} failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  } finally {
    clearTimeout(timer);
  }
}
