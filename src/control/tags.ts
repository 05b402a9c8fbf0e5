/**
 * Tags of a run: a small object of string values given at enqueue (`{ shard: 'db-3' }`), stored
 * beside the job (never in its data, so params stay the user's own), shown by `getRun` and
 * `listRuns`, and used to pick runs: `listRuns(queue, { tags })`, the console's filters and its
 * bulk actions. Kept deliberately small so that later features (flow control) can build on it.
 */
import { runRecordsFor } from '../backends/run-records-for.js';
import type { ControlQueue } from './target.js';

/** Tags of a run: names to string values, e.g. `{ shard: 'db-3', region: 'eu' }`. */
export type RunTags = Readonly<Record<string, string>>;

export const TAG_LIMITS = {
  /** Tags per run. */
  maxTags: 16,
  /** Characters of a name: letters, digits, `_`, `-`, `.`, `:` and `/`. */
  maxNameLength: 64,
  /** Characters of a value. */
  maxValueLength: 200,
} as const;

const NAME = /^[A-Za-z0-9_.:/-]+$/;

/**
 * Checks tags given to `enqueue` (or a filter) and returns them as a plain frozen object. Throws a
 * `TypeError` naming `owner`, the offending tag and the rule.
 *
 * @example
 * ```ts
 * checkTags({ shard: 'db-3' }, 'job "backfill"'); // { shard: 'db-3' }
 * checkTags({ shard: 3 }, 'job "backfill"'); // throws: tag "shard" must be a string, got 3 (number)
 * ```
 */
export function checkTags(tags: unknown, owner: string): RunTags {
  if (typeof tags !== 'object' || tags === null || Array.isArray(tags)) {
    throw new TypeError(
      `${owner}: \`tags\` must be an object of string values, e.g. { shard: 'db-3' }; got ${describe(tags)}.`,
    );
  }
  const entries = Object.entries(tags as Record<string, unknown>);
  if (entries.length > TAG_LIMITS.maxTags) {
    throw new TypeError(
      `${owner}: at most ${TAG_LIMITS.maxTags} tags per run, got ${entries.length}. Keep tags for picking runs; put data in the params.`,
    );
  }
  for (const [name, value] of entries) {
    if (name.length > TAG_LIMITS.maxNameLength || !NAME.test(name)) {
      throw new TypeError(
        `${owner}: tag name ${JSON.stringify(name.slice(0, 80))} must be 1 to ${TAG_LIMITS.maxNameLength} letters, digits, "_", "-", ".", ":" or "/".`,
      );
    }
    if (typeof value !== 'string' || value.length > TAG_LIMITS.maxValueLength) {
      throw new TypeError(
        `${owner}: tag "${name}" must be a string of at most ${TAG_LIMITS.maxValueLength} characters, got ${describe(value)}. Write numbers as strings: { ${name}: '3' }.`,
      );
    }
  }
  return Object.freeze(Object.fromEntries(entries) as Record<string, string>);
}

/** Stored tags, or `undefined` when there are none or they cannot be read. */
export function parseStoredTags(text: string | undefined | null): RunTags | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    const tags = Object.entries(value).filter(([, v]) => typeof v === 'string');
    return tags.length === 0 ? undefined : (Object.fromEntries(tags) as RunTags);
  } catch {
    return undefined;
  }
}

/** Whether a run's tags hold every name and value of `filter` (an empty filter matches all). */
export function matchesTags(tags: RunTags | undefined, filter: RunTags | undefined): boolean {
  if (filter === undefined) return true;
  return Object.entries(filter).every(([name, value]) => tags?.[name] === value);
}

/**
 * A tag filter written as text, as the CLI and the console's address take it: `name=value`
 * pairs separated by commas (`shard=db-3,region=eu`). Throws a `TypeError` showing the part that
 * is not a pair.
 */
export function parseTagFilter(text: string): RunTags {
  const pairs = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  const tags: Record<string, string> = {};
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    if (equals <= 0) {
      throw new TypeError(
        `Tag filter "${pair}" is not name=value; write e.g. shard=db-3 (several: shard=db-3,region=eu).`,
      );
    }
    tags[pair.slice(0, equals).trim()] = pair.slice(equals + 1).trim();
  }
  return checkTags(tags, 'tag filter');
}

/** Stores the tags of run `jobId` (checked first). */
export async function setRunTags(queue: ControlQueue, jobId: string, tags: RunTags): Promise<void> {
  const json = JSON.stringify(checkTags(tags, `run "${jobId}" of queue "${queue.name}"`));
  await runRecordsFor(queue.getBackend()).setTags({ queueName: queue.name, id: jobId }, json);
}

function describe(value: unknown): string {
  return `${JSON.stringify(value) ?? String(value)} (${Array.isArray(value) ? 'array' : typeof value})`;
}
