/**
 * Redis URLs: parsed into the connection options BullMQ and ioredis take, and redacted for
 * messages. IPv6 hosts come from `URL` in brackets (`[::1]`), which ioredis would take for a host
 * name; they are unwrapped here.
 */

/**
 * Connection options read from a Redis URL: accepted as they are by BullMQ's classes and by
 * ioredis (every field is set or absent, never `undefined`).
 */
export interface RedisUrlOptions {
  readonly host: string;
  readonly port: number;
  readonly username?: string;
  readonly password?: string;
  readonly db?: number;
  readonly tls?: Record<string, never>;
  /** 6 for an IPv6 host, so ioredis connects over IPv6 without a DNS lookup. */
  readonly family?: 6;
  readonly maxRetriesPerRequest: null;
}

/**
 * ioredis options from a `redis://` or `rediss://` URL, ready for BullMQ workers.
 *
 * @example
 * ```ts
 * new Queue('maintenance', { connection: redisOptionsFromUrl('redis://[::1]:6379/2') });
 * ```
 */
export function redisOptionsFromUrl(url: string, name = 'The Redis URL'): RedisUrlOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(
      `${name} is not a valid URL: "${redactUrl(url)}". Expected redis://host:6379/0`,
    );
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new TypeError(
      `${name} must start with redis:// or rediss://, got "${parsed.protocol}//…". Expected redis://host:6379/0`,
    );
  }
  const db = parsed.pathname.replace(/^\//, '');
  const ipv6 = parsed.hostname.startsWith('[') && parsed.hostname.endsWith(']');
  const host = ipv6 ? parsed.hostname.slice(1, -1) : parsed.hostname;
  return {
    host: host || '127.0.0.1',
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(db !== '' ? { db: Number(db) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    ...(ipv6 ? { family: 6 as const } : {}),
    // BullMQ workers block on Redis; they need unlimited retries per request.
    maxRetriesPerRequest: null,
  };
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
