/**
 * How the handler reaches its queue. A mounted handler uses the application's own Queue; the CLI
 * command passes an access that opens (and, on the embedded database, releases) its backend around
 * each use and runs one use at a time.
 */
import type { DashboardQueue } from './options.js';

export interface QueueAccess {
  readonly queueName: string;
  use<T>(work: (queue: DashboardQueue) => Promise<T>): Promise<T>;
}

export function directAccess(queue: DashboardQueue): QueueAccess {
  return { queueName: queue.name, use: (work) => work(queue) };
}

/** Wraps `access` so its uses run one after another, in the order they were asked for. */
export function serialized(access: QueueAccess): QueueAccess {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    queueName: access.queueName,
    use(work) {
      const next = tail.then(() => access.use(work));
      tail = next.catch(() => undefined);
      return next;
    },
  };
}
