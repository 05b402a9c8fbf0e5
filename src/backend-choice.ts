/**
 * Which backend the library uses, from explicit settings and the environment. Shared by
 * `connect()` and the CLI so both read the same variables in the same order:
 *
 * 1. explicit settings (`connect({ redisUrl })`, `--redis-url`; `databaseUrl`, `--database-url`);
 * 2. the library's own variables, `BULLMQ_ITERATION_REDIS_URL` and `BULLMQ_ITERATION_DATABASE_URL`;
 * 3. only when opted in (`BULLMQ_ITERATION_USE_GENERIC_URLS=1`, or `useGenericUrls: true`), the
 *    generic `REDIS_URL`, then `DATABASE_URL`;
 * 4. otherwise the embedded database.
 *
 * `DATABASE_URL` is what most apps export for their own database: reading it by default would put
 * the queues, and BullMQ's migrations, in the app's database without anyone asking for it.
 */

/** The environment variables read, by role. */
export const BACKEND_ENV = {
  redisUrl: 'BULLMQ_ITERATION_REDIS_URL',
  databaseUrl: 'BULLMQ_ITERATION_DATABASE_URL',
  useGenericUrls: 'BULLMQ_ITERATION_USE_GENERIC_URLS',
} as const;

export type BackendChoice =
  | { readonly kind: 'redis'; readonly url: string; readonly from: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly from: string }
  | { readonly kind: 'embedded'; readonly from: string };

export interface ExplicitBackend {
  readonly redisUrl?: string | undefined;
  readonly databaseUrl?: string | undefined;
  /** How the explicit settings are called, for messages: `--redis-url` or `the redisUrl option`. */
  readonly names: { readonly redisUrl: string; readonly databaseUrl: string };
  /** Read `REDIS_URL`/`DATABASE_URL`; when undefined, `BULLMQ_ITERATION_USE_GENERIC_URLS` decides. */
  readonly useGenericUrls?: boolean | undefined;
}

/** Picks the backend; throws a `TypeError` naming both settings when two of one rank conflict. */
export function chooseBackend(
  explicit: ExplicitBackend,
  env: Readonly<Record<string, string | undefined>>,
): BackendChoice {
  const own = pick(
    [explicit.redisUrl, explicit.names.redisUrl],
    [explicit.databaseUrl, explicit.names.databaseUrl],
  );
  if (own !== undefined) return own;
  const fromEnv = pick(
    [nonEmpty(env[BACKEND_ENV.redisUrl]), BACKEND_ENV.redisUrl],
    [nonEmpty(env[BACKEND_ENV.databaseUrl]), BACKEND_ENV.databaseUrl],
  );
  if (fromEnv !== undefined) return fromEnv;
  const generic = explicit.useGenericUrls ?? isTrue(env[BACKEND_ENV.useGenericUrls]);
  const redisUrl = nonEmpty(env.REDIS_URL);
  const databaseUrl = nonEmpty(env.DATABASE_URL);
  if (generic) {
    // The generic variables keep their historical order: an app exporting both meant Redis.
    if (redisUrl !== undefined) return { kind: 'redis', url: redisUrl, from: 'REDIS_URL' };
    if (databaseUrl !== undefined) {
      return { kind: 'postgres', url: databaseUrl, from: 'DATABASE_URL' };
    }
  }
  const ignored = generic ? [] : ignoredGenericUrls(env);
  return {
    kind: 'embedded',
    from:
      `no ${BACKEND_ENV.redisUrl} or ${BACKEND_ENV.databaseUrl} set` +
      (ignored.length === 0
        ? ''
        : `; ${ignored.join(' and ')} ignored unless ${BACKEND_ENV.useGenericUrls}=1`),
  };
}

/**
 * The generic variables (`REDIS_URL`, `DATABASE_URL`) set in `env` that the choice ignores
 * because `BULLMQ_ITERATION_USE_GENERIC_URLS` is not set: for tools to say so.
 */
export function ignoredGenericUrls(env: Readonly<Record<string, string | undefined>>): string[] {
  if (isTrue(env[BACKEND_ENV.useGenericUrls])) return [];
  return (['REDIS_URL', 'DATABASE_URL'] as const).filter(
    (name) => nonEmpty(env[name]) !== undefined,
  );
}

function pick(
  [redisUrl, redisName]: readonly [string | undefined, string],
  [databaseUrl, databaseName]: readonly [string | undefined, string],
): BackendChoice | undefined {
  if (redisUrl !== undefined && databaseUrl !== undefined) {
    throw new TypeError(
      `Give ${redisName} or ${databaseName}, not both: they choose different backends.`,
    );
  }
  if (redisUrl !== undefined) return { kind: 'redis', url: redisUrl, from: redisName };
  if (databaseUrl !== undefined) return { kind: 'postgres', url: databaseUrl, from: databaseName };
  return undefined;
}

function isTrue(value: string | undefined): boolean {
  return value !== undefined && /^(1|true|yes|on)$/i.test(value.trim());
}

/** An empty variable counts as unset (`REDIS_URL= cmd`, a blank line in an env file). */
export function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
