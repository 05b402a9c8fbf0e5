/**
 * Which errors are transient: the resource a run uses is briefly unavailable (a database restart,
 * a dropped connection, a failover, a timeout), and the same call is expected to work again once it
 * is back. The runtime answers such an error from its own infrastructure (the checkpoint store, the
 * control store, the queue, the built-in enumerators) with a resume, never a failed attempt: "a
 * resume is not a retry". An error thrown by a job's own step is the job's business and fails the
 * attempt, unless the job marks it with {@link TransientError}.
 */
import { TransientError } from '../errors.js';

/**
 * SQLSTATE codes of PostgreSQL that say "try again": connection exceptions (class 08), the server
 * shutting down or starting up, too many connections, serialization failures and deadlocks, and a
 * statement cancelled by a timeout.
 */
const TRANSIENT_SQLSTATES = new Set([
  '57P01', // admin_shutdown: terminating connection due to administrator command
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: the database system is starting up / shutting down
  '57014', // query_canceled: statement_timeout
  '53300', // too_many_connections
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available (lock_timeout)
]);

/** Socket-level failures from Node: the peer went away or cannot be reached right now. */
const TRANSIENT_SYSCALL_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
]);

/**
 * Messages of errors that carry no code: node-postgres's client-side connection errors, ioredis's
 * closed connection and retry limit, Redis replies during a restart or a failover, and our own
 * timeouts on calls that did not settle.
 */
const TRANSIENT_MESSAGES = [
  /^Connection terminated/i, // pg: "Connection terminated unexpectedly", "... due to connection timeout"
  /not queryable/i, // pg: "Client has encountered a connection error and is not queryable"
  /timeout exceeded when trying to connect/i, // pg.Pool connectionTimeoutMillis
  /^Connection is closed/i, // ioredis
  /max retries per request/i, // ioredis MaxRetriesPerRequestError
  /^(LOADING|READONLY|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|BUSY)\b/, // Redis replies while unavailable
  /^Command timed out/i, // ioredis commandTimeout
  // ioredis Cluster while a failover or a restart changes the topology
  /^(Failed to refresh slots cache|None of startup nodes is available|Too many Cluster redirections)/,
  /did not finish within \d+ ms$/, // src/runtime/timeout.ts
];

/**
 * True when `error` (or an error it was caused by) is transient: retrying the same call later is
 * expected to succeed. Used by the runtime on errors of its own calls; exported so that a job's
 * step can apply the same rule to its own database calls.
 *
 * @example
 * ```ts
 * async eachIteration(user) {
 *   try {
 *     await pool.query('UPDATE users SET plan = $1 WHERE id = $2', ['pro', user.id]);
 *   } catch (error) {
 *     // A database restart resumes the job later instead of failing the attempt.
 *     if (isTransientError(error)) throw new TransientError('users database unavailable', { cause: error });
 *     throw error;
 *   }
 * }
 * ```
 */
export function isTransientError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e !== null && e !== undefined && depth < 5; depth++) {
    if (e instanceof TransientError) return true;
    if (typeof e !== 'object') return false;
    const { code, message, name } = e as { code?: unknown; message?: unknown; name?: unknown };
    if (name === 'TransientError') return true;
    if (typeof code === 'string') {
      if (TRANSIENT_SQLSTATES.has(code) || code.startsWith('08')) return true;
      if (TRANSIENT_SYSCALL_CODES.has(code)) return true;
    }
    if (typeof message === 'string' && TRANSIENT_MESSAGES.some((re) => re.test(message))) {
      return true;
    }
    // AggregateError (a failed connection to several addresses) is transient when a part is.
    const errors = (e as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.some((inner) => isTransientError(inner))) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * True when a job's own code marked `error` as transient ({@link TransientError}). Errors of a
 * step or a callback are judged by this only: a job that queries its own database decides itself
 * whether a failure there is worth an attempt.
 */
export function isMarkedTransient(error: unknown): boolean {
  return (
    error instanceof TransientError ||
    (error as { name?: unknown } | null)?.name === 'TransientError'
  );
}

/** `Connection terminated unexpectedly (57P01)`: what logs, events and progress say of an error. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const message = error.message.length > 200 ? `${error.message.slice(0, 200)}…` : error.message;
  return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
}
