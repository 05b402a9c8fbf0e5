/**
 * `nested`: walks a hierarchy (shops → products → variants) with one enumerator per level, each
 * built from the item of the level above. The cursor lists one cursor per level: for every level
 * but the last, the cursor from *before* the item being worked through (so a resume builds that
 * level again and lands on the same item), and for the last level the cursor after the item done.
 */
import type { EnumeratorSource, IterationEnumerator } from '../enumerator.js';
import { EnumeratorError } from '../errors.js';
import { enumerable } from './enumerable.js';
import { checkPair, cursorError, isEnumeratorSource, optionError, shown } from './validate.js';

/** Cursor of `nested`: one cursor per level, outermost first. */
export type NestedCursor = readonly unknown[];

/** Builds the outermost level from its cursor. */
export type OuterBuilder<Item> = (
  cursor: unknown,
) => EnumeratorSource<Item, unknown> | Promise<EnumeratorSource<Item, unknown>>;

/** Builds a deeper level from the item of the level above and this level's cursor. */
export type InnerBuilder<Parent, Item> = (
  parent: Parent,
  cursor: unknown,
) => EnumeratorSource<Item, unknown> | Promise<EnumeratorSource<Item, unknown>>;

export interface NestedOptions {
  /** The cursor the runtime passed: `null` (or omitted) to start at the beginning. */
  readonly cursor?: unknown;
}

/**
 * Enumerates the items of the innermost level, for every item of every level above it, depth
 * first. Each builder receives `cursor` (`null` when its level starts afresh) and must return an
 * enumerator that starts there, like any `buildEnumerator`.
 *
 * A resume builds every level again from its saved cursor, so each level must list the same items
 * in the same order as long as the job runs (ordered queries, stable arrays); when the item a level
 * was inside has gone, its saved inner cursor is applied to whichever item now comes first.
 *
 * @example
 * ```ts
 * defineIterationJob({
 *   name: 'reprice-variants',
 *   buildEnumerator: ({ cursor }) =>
 *     nested(
 *       [
 *         (cursor) => keyset({ query, table: 'shops', columns: ['id'], cursor }),
 *         (shop: Shop, cursor) =>
 *           keyset({ query, table: 'variants', columns: ['id'], where: 'shop_id = $1', values: [shop.id], cursor }),
 *       ],
 *       { cursor },
 *     ),
 *   async eachIteration(variant) { await reprice(variant); },
 * });
 * ```
 */
export function nested<A, B>(
  levels: readonly [OuterBuilder<A>, InnerBuilder<A, B>],
  options?: NestedOptions,
): IterationEnumerator<B, NestedCursor>;
export function nested<A, B, C>(
  levels: readonly [OuterBuilder<A>, InnerBuilder<A, B>, InnerBuilder<B, C>],
  options?: NestedOptions,
): IterationEnumerator<C, NestedCursor>;
export function nested<A, B, C, D>(
  levels: readonly [OuterBuilder<A>, InnerBuilder<A, B>, InnerBuilder<B, C>, InnerBuilder<C, D>],
  options?: NestedOptions,
): IterationEnumerator<D, NestedCursor>;
export function nested(
  levels: readonly AnyBuilder[],
  options?: NestedOptions,
): IterationEnumerator<unknown, NestedCursor>;
export function nested(
  levels: readonly AnyBuilder[],
  options: NestedOptions = {},
): IterationEnumerator<unknown, NestedCursor> {
  if (!Array.isArray(levels) || levels.length < 2 || levels.some((l) => typeof l !== 'function')) {
    throw optionError(
      'nested',
      'levels',
      levels,
      'an array of two or more builder functions, outermost first',
    );
  }
  const resume = nestedStart(options.cursor, levels.length);

  async function* walk(
    depth: number,
    parent: unknown,
    from: NestedCursor | undefined,
    prefix: readonly unknown[],
  ): AsyncGenerator<readonly [unknown, NestedCursor]> {
    const build = levels[depth] as unknown as (...args: unknown[]) => unknown;
    const cursor = from?.[depth] ?? null;
    const source = await (depth === 0 ? build(cursor) : build(parent, cursor));
    if (!isEnumeratorSource(source)) {
      throw new EnumeratorError(
        `nested: the builder of level ${depth} returned ${shown(source)}; expected an enumerator ` +
          `(an iterable of [item, cursor] pairs), such as array(items, { cursor }).`,
        { source: 'nested' },
      );
    }
    const pairs = source as EnumeratorSource<unknown, unknown>;
    const origin = `the enumerator of level ${depth}`;
    if (depth === levels.length - 1) {
      for await (const pair of pairs) {
        checkPair('nested', origin, pair);
        yield [pair[0], [...prefix, pair[1]]] as const;
      }
      return;
    }
    // Only the first item of a level resumes its children from the saved cursors; the children of
    // every later item start afresh.
    let before: unknown = cursor;
    let resumeChildren = from;
    for await (const pair of pairs) {
      checkPair('nested', origin, pair);
      yield* walk(depth + 1, pair[0], resumeChildren, [...prefix, before]);
      before = pair[1];
      resumeChildren = undefined;
    }
  }

  return enumerable(() => walk(0, undefined, resume, []));
}

type AnyBuilder = (...args: never[]) => unknown;

function nestedStart(cursor: unknown, depth: number): NestedCursor | undefined {
  if (cursor === null || cursor === undefined) return undefined;
  if (!Array.isArray(cursor) || cursor.length !== depth) {
    throw cursorError(
      'nested',
      cursor,
      `null or an array of ${depth} cursors, one per level, outermost first`,
    );
  }
  return cursor;
}
