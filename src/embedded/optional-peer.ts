/**
 * PGlite and its socket server are optional peer dependencies: Redis and PostgreSQL users never
 * install their 28 MB. They are imported on first use of the embedded backend only, and a missing
 * one is reported with the package to install and the alternatives, instead of Node's bare
 * ERR_MODULE_NOT_FOUND.
 */

/** The npm command that installs what the embedded backend needs. */
export const EMBEDDED_INSTALL = 'npm install @electric-sql/pglite @electric-sql/pglite-socket';

/** Thrown when the embedded backend is used and an optional peer dependency is not installed. */
export class MissingPeerError extends Error {
  override readonly name = 'MissingPeerError';
  constructor(
    /** The package that could not be loaded. */
    readonly packageName: string,
    cause: unknown,
  ) {
    super(
      `The embedded database needs ${packageName}, an optional peer dependency of bullmq-iteration ` +
        `that is not installed. Install it (${EMBEDDED_INSTALL}), or use Redis or PostgreSQL: ` +
        'set BULLMQ_ITERATION_REDIS_URL or BULLMQ_ITERATION_DATABASE_URL, or pass redisUrl / ' +
        'databaseUrl to connect().',
      { cause },
    );
  }
}

/** Whether `error` says that `packageName` itself (not one of its own imports) is missing. */
export function isMissingPackage(error: unknown, packageName: string): boolean {
  const e = error as NodeJS.ErrnoException | undefined;
  return (
    (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') &&
    typeof e.message === 'string' &&
    e.message.includes(`'${packageName}'`)
  );
}

/** Runs `load` (a literal dynamic import), turning a missing package into a MissingPeerError. */
export async function loadPeer<T>(packageName: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isMissingPackage(error, packageName)) throw new MissingPeerError(packageName, error);
    throw error;
  }
}
