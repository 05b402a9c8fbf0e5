// Fixtures of the throttle integration tests: a server that accepts connections and never answers
// (the shape of a hung database), and closing the health checks a test built.
import { createServer, type Server, type Socket } from 'node:net';

import { vi } from 'vitest';

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
