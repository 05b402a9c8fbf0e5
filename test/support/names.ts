// Each test gets queues of its own, so tests never see each other's jobs, even on a shared server.
import { randomBytes } from 'node:crypto';

/**
 * A queue name no other test uses: `prefix`, a timestamp and random bits. Characters BullMQ
 * rejects in queue names (`:`) or that make keys awkward to read are replaced with `-`.
 *
 * @example
 * const name = uniqueQueueName('checkpoint'); // 'checkpoint-m3k9x2-1f0c9a2b'
 */
export function uniqueQueueName(prefix: string): string {
  const safePrefix = prefix.replace(/[^A-Za-z0-9_-]+/g, '-') || 'queue';
  return `${safePrefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}
