/**
 * Opens the backend a command works on: Redis or PostgreSQL through `connect()` (which fails fast
 * with the address tried), or the embedded database shared between CLI processes (see
 * embedded/shared.ts).
 */
import type { Connection } from '../connect.js';
import { connect, NO_SCHEMA } from '../connect.js';
import type { CliBackend, OpenOptions } from './cli-backend.js';
import { fromConnection } from './cli-backend.js';
import { openSharedEmbedded } from './embedded/shared.js';
import { CliError, ExitCode } from './exit-codes.js';
import type { BackendSource } from './target.js';

/** Opens `source`; unreachable servers are `CliError`s with exit code 3. */
export async function openBackend(
  source: BackendSource,
  options: OpenOptions,
): Promise<CliBackend> {
  if (source.kind === 'embedded') return openSharedEmbedded(source.dataDir, options);
  let connection: Connection;
  try {
    connection = await connect({
      env: {},
      // Only a worker (or `migrate`) creates BullMQ's tables; other commands never change a schema.
      migrate: options.role === 'worker',
      connectTimeoutMs: options.timeoutMs,
      ...(source.kind === 'redis' ? { redisUrl: source.url } : { databaseUrl: source.url }),
    });
  } catch (error) {
    // A server that answered without BullMQ's tables, or refused the credentials, is reachable:
    // that is a failure or a wrong password, not an outage.
    const code =
      (error as { code?: unknown }).code === NO_SCHEMA
        ? ExitCode.failure
        : (error as Error).name === 'BackendAuthError'
          ? ExitCode.authentication
          : ExitCode.unreachable;
    throw new CliError((error as Error).message, code, { cause: error });
  }
  return fromConnection(connection, connection.description, () => connection.close());
}
