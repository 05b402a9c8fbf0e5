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

/** `redis://` URLs of the three masters of this run's Redis Cluster. */
export function redisClusterUrls(): string[] {
  const urls = inject('redisClusterUrls');
  if (!urls?.length) {
    throw new Error(
      'No redisClusterUrls were provided: servers are only started for the `integration` project (test/integration/**).',
    );
  }
  return urls;
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
