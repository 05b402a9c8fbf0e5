// Fixtures of the throttle integration tests: a server that accepts connections and never answers
// (the shape of a hung database), closing the health checks a test built, a logger that keeps its
// lines, and a job that records what it fetches.
import { createServer, type Server, type Socket } from 'node:net';

import { type Logger, pino } from 'pino';
import { vi } from 'vitest';

import type {
  BuildEnumeratorArgs,
  IterationContext,
  IterationJob,
  IterationJobDefinition,
} from '../../../src/index.js';
import { defineIterationJob } from '../../../src/index.js';
import type { HealthCheck, ThrottleLogger } from '../../../src/throttle/index.js';
import { track } from '../../support/lifecycle.js';

export function recordingLogger() {
  return { info: vi.fn(), warn: vi.fn(), error: vi.fn() } satisfies ThrottleLogger;
}

/** Tracks a health check so it is closed after the test, like any other resource. */
export function tracked<T extends HealthCheck>(check: T): T {
  track({ close: async () => check.close() }, { name: `health check ${check.name}` });
  return check;
}

/**
 * A TCP server on a free local port that reads everything and never replies. `hangUp()` drops its
 * connections, so a client stuck on it can be closed after the test.
 */
export async function silentServer(): Promise<{ port: number; hangUp(): void }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const hangUp = () => {
    for (const socket of sockets) socket.destroy();
  };
  track({
    close: () => {
      hangUp();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return { port: address.port, hangUp };
}

/** A pino logger that keeps every line it writes, parsed, for tests that assert on logs. */
export function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'info' },
    { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, lines };
}

type Params = Record<string, unknown>;

export interface WatchedOptions extends Partial<
  Omit<IterationJobDefinition<Params, number, number>, 'buildEnumerator' | 'eachIteration'>
> {
  readonly total: number;
  /** Wait this long in each item. */
  readonly stepMs?: number;
  /** Called in each item after it was recorded. */
  readonly onItem?: (item: number, ctx: IterationContext<Params, number>) => void;
}

/** A job over 0..total-1 and what it did, across runs. */
export interface Watched {
  readonly job: IterationJob<Params, number, number>;
  /** Items pulled from the enumerator, in order (an item pulled twice appears twice). */
  readonly fetched: number[];
  /** Items processed, in order. */
  readonly seen: number[];
  /** How many times `buildEnumerator` ran. */
  readonly builds: { count: number };
}

/**
 * A counter that records what it fetches as well as what it processes, so a test can tell that a
 * throttled run stopped before pulling the next item, not after.
 */
export function watchedJob(options: WatchedOptions): Watched {
  const { total, stepMs, onItem, name, ...rest } = options;
  const fetched: number[] = [];
  const seen: number[] = [];
  const builds = { count: 0 };
  const job = defineIterationJob({
    name: name ?? 'watched',
    ...rest,
    buildEnumerator({ cursor }: BuildEnumeratorArgs<Params, number>) {
      builds.count++;
      const from = cursor === null ? 0 : cursor + 1;
      return (async function* () {
        for (let i = from; i < total; i++) {
          fetched.push(i);
          yield [i, i] as const;
        }
      })();
    },
    async eachIteration(item, ctx) {
      seen.push(item);
      if (stepMs !== undefined) await new Promise((r) => setTimeout(r, stepMs));
      onItem?.(item, ctx);
    },
  });
  return { job, fetched, seen, builds };
}
