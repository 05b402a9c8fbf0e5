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

/** One startup node of a Redis Cluster. */
export interface RedisClusterNode {
  readonly host: string;
  readonly port: number;
}

/** What a cluster URL list gives: ioredis `Cluster`'s startup nodes and per-node options. */
export interface RedisClusterUrlOptions {
  readonly nodes: readonly RedisClusterNode[];
  /** Credentials, TLS and `maxRetriesPerRequest: null`, for ioredis' `redisOptions`. */
  readonly redisOptions: Omit<RedisUrlOptions, 'host' | 'port' | 'db'>;
}

/**
 * True when `url` names a Redis Cluster: several comma-separated `redis://` URLs, one per startup
 * node (any few masters will do; the client reads the rest of the topology from them).
 */
export function isRedisClusterUrl(url: string): boolean {
  return url.includes(',');
}

/**
 * Startup nodes and node options of a Redis Cluster from comma-separated URLs, ready for ioredis'
 * `new Cluster(nodes, { redisOptions })`. Credentials come from the first URL that has any; a
 * database number other than 0 is refused (a cluster has only database 0).
 *
 * @example
 * ```ts
 * const { nodes, redisOptions } = redisClusterOptionsFromUrl('redis://10.0.0.1:7000,redis://10.0.0.2:7000');
 * const connection = new Cluster([...nodes], { redisOptions });
 * ```
 */
export function redisClusterOptionsFromUrl(
  url: string,
  name = 'The Redis Cluster URL list',
): RedisClusterUrlOptions {
  const parts = url
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  if (parts.length === 0) {
    throw new TypeError(
      `${name} names no node: "${redactUrl(url)}". Expected redis://host1:7000,redis://host2:7000`,
    );
  }
  const parsed = parts.map((part) =>
    redisOptionsFromUrl(part, `${name} (node "${redactUrl(part)}")`),
  );
  const withDb = parsed.find((options) => options.db !== undefined && options.db !== 0);
  if (withDb !== undefined) {
    throw new TypeError(
      `${name} selects database ${withDb.db}, but a Redis Cluster has only database 0: ` +
        `"${redactUrl(url)}". Drop the /${withDb.db} from the URLs.`,
    );
  }
  const {
    host: _host,
    port: _port,
    db: _db,
    ...redisOptions
  } = parsed.find((options) => options.password !== undefined) ?? (parsed[0] as RedisUrlOptions);
  return { nodes: parsed.map(({ host, port }) => ({ host, port })), redisOptions };
}

/** The URL without its password, for messages (each URL of a comma-separated cluster list). */
export function redactUrl(url: string): string {
  if (isRedisClusterUrl(url))
    return url
      .split(',')
      .map((part) => redactOne(part.trim()))
      .join(',');
  return redactOne(url);
}

function redactOne(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
