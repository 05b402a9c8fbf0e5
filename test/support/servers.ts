// URLs of the servers test/setup/servers.ts started for this run.
import { inject } from 'vitest';

/** `redis://` URL of this run's Redis server. */
export function redisUrl(): string {
  return provided('redisUrl');
}

/** `postgres://` URL of this run's PostgreSQL server; BullMQ's schema is migrated. */
export function postgresUrl(): string {
  return provided('postgresUrl');
}

/** `postgres://` URL of this run's PGlite socket server; BullMQ's schema is migrated. */
export function pgliteUrl(): string {
  return provided('pgliteUrl');
}

function provided(key: 'redisUrl' | 'postgresUrl' | 'pgliteUrl'): string {
  const url = inject(key);
  if (!url) {
    throw new Error(
      `No ${key} was provided: servers are only started for the \`integration\` project (test/integration/**).`,
    );
  }
  return url;
}
