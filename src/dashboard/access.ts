/**
 * How the handler reaches its queues. A mounted handler uses the application's own Queues; the
 * CLI command passes an access that opens (and, on the embedded database, releases) its backend
 * around each use and runs one use at a time. One use per request: the queues a request needs
 * are all reached inside it.
 */
import type { DashboardQueue } from './options.js';

/** The queues of one use: their names (the default first) and each queue by name. */
export interface QueueSet {
  readonly names: readonly string[];
  /** The queue named `name`, or `undefined` when the console does not show it. */
  get(name: string): DashboardQueue | undefined;
}

export interface QueueAccess {
  /** The default queue: new runs go there unless the form says otherwise. */
  readonly defaultQueue: string;
  use<T>(work: (queues: QueueSet) => Promise<T>): Promise<T>;
}

/** Access to queues the application created; the first is the default. */
export function directAccess(queue: DashboardQueue | readonly DashboardQueue[]): QueueAccess {
  const list = Array.isArray(queue)
    ? (queue as readonly DashboardQueue[])
    : [queue as DashboardQueue];
  const set = queueSet(list);
  return { defaultQueue: list[0]!.name, use: (work) => work(set) };
}

/** A set over `queues`, in their order. */
export function queueSet(queues: readonly DashboardQueue[]): QueueSet {
  const byName = new Map(queues.map((queue) => [queue.name, queue]));
  return { names: [...byName.keys()], get: (name) => byName.get(name) };
}

/** Wraps `access` so its uses run one after another, in the order they were asked for. */
export function serialized(access: QueueAccess): QueueAccess {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    defaultQueue: access.defaultQueue,
    use(work) {
      const next = tail.then(() => access.use(work));
      tail = next.catch(() => undefined);
      return next;
    },
  };
}
