/**
 * What `job.enqueue(queue, params, options)` does, in order: check the tags, check the params
 * (the job's schema, awaited, then its `parseParams`, then the JSON check), refuse a queue whose
 * prefix cannot work on a Redis Cluster (before BullMQ's script fails with a bare CROSSSLOT), add
 * the job, and store its tags and the audit entry of who started it.
 */
import type { Job, JobsOptions } from 'bullmq';
import { RedisQueueBackend } from 'bullmq';

import { isRedisCluster, requireQualifiedOneSlot } from './backends/redis-cluster.js';
import type { AuditOptions } from './control/audit.js';
import { recordAudit } from './control/audit.js';
import type { RunTags } from './control/tags.js';
import { checkTags, setRunTags } from './control/tags.js';
import type { ParamsParser } from './enqueue-params.js';
import { enqueuedParams } from './enqueue-params.js';
import { withoutUndefined } from './json.js';
import { paramsSchemaOf, validateParams } from './params-schema.js';

/** What `enqueue` takes beside BullMQ's job options. */
export interface EnqueueOptions extends JobsOptions {
  /**
   * Tags of the run: a small object of string values (`{ shard: 'db-3' }`), stored beside the job
   * and shown by `getRun`, `listRuns` and the console, which filters and bulk-controls by them.
   * @defaultValue none
   */
  readonly tags?: RunTags;
  /**
   * Records who started the run in its audit trail (the console's job page shows it): a name,
   * or `{ actor, via, reason }`. @defaultValue nothing recorded
   */
  readonly startedBy?: string | (AuditOptions & { readonly reason?: string | undefined });
}

/** The part of a queue `enqueue` uses: `add`, and the backend for tags and cluster checks. */
export interface EnqueueQueue<Params> {
  add(name: string, data: Params, options?: JobsOptions): Promise<Job<unknown, unknown, string>>;
  readonly name?: string;
  getBackend?(): unknown;
}

/**
 * Adds a run of the job defined by `definition` to `queue`.
 *
 * @example
 * ```ts
 * const job = await enqueueRun(definition, queue, { segment: 'trial' }, { tags: { shard: 'db-3' } });
 * ```
 */
export async function enqueueRun<Params>(
  definition: ParamsParser<Params> & { readonly defaultJobOptions?: JobsOptions | undefined },
  queue: EnqueueQueue<Params>,
  params: Params,
  options: EnqueueOptions = {},
): Promise<Job<Params>> {
  const { tags, startedBy, ...jobOptions } = options;
  const owner = `Cannot enqueue iteration job "${definition.name}"`;
  const checkedTags = tags === undefined ? undefined : checkTags(tags, owner);
  // Checked and copied before the first await (for a synchronous schema, as most are): what is
  // stored is the params as they were when enqueue was called, whatever the caller does next.
  const checked = checkedParams(definition, params);
  const data = snapshot(checked instanceof Promise ? await checked : checked);
  const backend = queue.getBackend?.();
  if (backend instanceof RedisQueueBackend && isRedisCluster(await backend.client)) {
    requireQualifiedOneSlot(backend.qualifiedName, `enqueue of "${definition.name}"`);
  }
  if ((checkedTags !== undefined || startedBy !== undefined) && !isControlQueue(queue)) {
    throw new TypeError(
      `${owner}: \`tags\` and \`startedBy\` are stored beside the job and need a BullMQ Queue ` +
        '(connect().queue(name) or new Queue(…)), not an object with `add` only.',
    );
  }
  const job = await queue.add(definition.name, data, {
    ...definition.defaultJobOptions,
    ...jobOptions,
  });
  if (isControlQueue(queue)) {
    if (checkedTags !== undefined) await setRunTags(queue, job.id!, checkedTags);
    if (startedBy !== undefined) {
      await recordAudit(
        queue,
        job.id!,
        'start',
        typeof startedBy === 'string' ? { actor: startedBy } : startedBy,
      );
    }
  }
  return job as unknown as Job<Params>;
}

/**
 * The params as `enqueue` stores them: through the job's `params` schema (a promise only when the
 * schema answers asynchronously), then its own `parseParams` and the JSON check.
 */
export function checkedParams<Params>(
  definition: ParamsParser<Params>,
  params: Params,
): Params | Promise<Params> {
  const schema = paramsSchemaOf(definition);
  if (schema === undefined) return enqueuedParams(definition, params);
  const own = {
    name: definition.name,
    parseParams: schema.own as ((data: unknown) => Params) | undefined,
  };
  const value = validateParams(schema.schema, withoutUndefined(params), definition.name);
  return value instanceof Promise
    ? value.then((valid) => enqueuedParams(own, valid as Params))
    : enqueuedParams(own, value as Params);
}

/** A copy of checked params: they are plain JSON data, so the round trip loses nothing. */
function snapshot<Params>(params: Params): Params {
  return params === undefined ? params : (JSON.parse(JSON.stringify(params)) as Params);
}

type ControlQueueLike = Parameters<typeof setRunTags>[0];

function isControlQueue(queue: object): queue is ControlQueueLike {
  const q = queue as Partial<ControlQueueLike>;
  return typeof q.getBackend === 'function' && typeof q.name === 'string';
}
