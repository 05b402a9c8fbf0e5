/**
 * What `connect()` says when a server answers but refuses it: wrong credentials are not an
 * outage, so they get their own error (`BackendAuthError`) with the setting to fix, and the CLI
 * its own exit code, instead of "Cannot reach …".
 */

/** The server answered and refused the credentials (Redis WRONGPASS/NOAUTH, PostgreSQL 28P01). */
export class BackendAuthError extends Error {
  override readonly name = 'BackendAuthError';
  /** `redis` or `postgres`. */
  readonly backend: 'redis' | 'postgres';
  /** Where, without the password. */
  readonly where: string;

  constructor(backend: 'redis' | 'postgres', where: string, reason: string, cause: unknown) {
    const kind = backend === 'redis' ? 'Redis' : 'PostgreSQL';
    super(
      `${kind} at ${where} refused the credentials (${reason}). Check the user name and password ` +
        `in the URL (user:password@host; characters such as @ or / in a password must be ` +
        `%-encoded); the server is up and answering.`,
      { cause },
    );
    this.backend = backend;
    this.where = where;
  }
}

/** Redis replies that mean "wrong or missing credentials". */
const REDIS_AUTH = /\b(WRONGPASS|NOAUTH)\b|invalid username-password pair|AUTH failed/i;
/** PostgreSQL SQLSTATEs of a refused login: invalid_password, invalid_authorization_specification. */
const POSTGRES_AUTH = new Set(['28P01', '28000']);

/** The error's text when it is a refusal of credentials, else `undefined`. */
export function authRefusal(backend: 'redis' | 'postgres', error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : String(error);
  if (backend === 'redis') return REDIS_AUTH.test(message) ? message : undefined;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && POSTGRES_AUTH.has(code) ? message : undefined;
}
