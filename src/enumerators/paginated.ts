/**
 * `paginated`: the items of an API that returns pages and a token for the next page (Stripe's
 * `starting_after`, GitHub's `Link` header, GraphQL's `endCursor`). Items are yielded one by one;
 * the cursor is the token of the current page plus how many of its items are done, so a job
 * interrupted inside a page fetches that page again and skips exactly the items it finished.
 */
import type { IterationEnumerator } from '../enumerator.js';
import { EnumeratorError } from '../errors.js';
import type { JsonValue } from '../json.js';
import { describeNonJson } from '../json.js';
import type { SizeFunction } from './enumerable.js';
import { enumerable } from './enumerable.js';
import { cursorError, isIndex, isObject, optionError, optionsObject, shown } from './validate.js';

/** One page as `fetchPage` returns it. */
export interface Page<Item, Token extends JsonValue> {
  /** The items of the page, in order. May be empty. */
  readonly items: readonly Item[];
  /** Token of the next page; `null` or `undefined` on the last page. Plain JSON data. */
  readonly next: Token | null | undefined;
}

/**
 * Cursor of `paginated`: the token of a page (`null` for the first page) and how many of its items
 * are done. After the last item of a page it moves to `{ page: next, offset: 0 }`.
 */
export interface PaginatedCursor<Token extends JsonValue = JsonValue> {
  readonly page: Token | null;
  readonly offset: number;
}

export interface PaginatedOptions<Item, Token extends JsonValue> {
  /**
   * Fetches the page that `token` designates; `null` asks for the first page. Called only when the
   * previous page is used up. Fetching a token again must give the same page, at least as long as
   * the job runs (see the guarantee on `paginated`).
   */
  readonly fetchPage: (token: Token | null) => Promise<Page<Item, Token>>;
  /** The cursor the runtime passed: `null` (or omitted) to start at the first page. */
  readonly cursor?: unknown;
  /** Total number of items, if the API tells it cheaply; enables percentages in progress. */
  readonly size?: SizeFunction;
}

/**
 * Enumerates the items of a paginated API, fetching a page only when the previous one is used up.
 *
 * Guarantee: a resume fetches the current page again and skips the `offset` items already done,
 * so nothing is repeated or skipped as long as that page has not changed in between. APIs whose
 * tokens name an item (`starting_after=<id>`) rather than a position keep that true even while the
 * collection changes elsewhere; with position-based tokens (`page=3`), an insert or delete before
 * the cursor between two runs shifts items by that many.
 *
 * @example
 * ```ts
 * defineIterationJob({
 *   name: 'sync-customers',
 *   buildEnumerator: ({ cursor }) =>
 *     paginated({
 *       cursor,
 *       fetchPage: async (token: string | null) => {
 *         const page = await stripe.customers.list({ limit: 100, starting_after: token ?? undefined });
 *         return { items: page.data, next: page.has_more ? page.data.at(-1)!.id : null };
 *       },
 *     }),
 *   async eachIteration(customer) { await upsertCustomer(customer); },
 * });
 * ```
 */
export function paginated<Item, Token extends JsonValue = JsonValue>(
  options: PaginatedOptions<Item, Token>,
): IterationEnumerator<Item, PaginatedCursor<Token>> {
  optionsObject('paginated', options, 'paginated({ fetchPage: (token) => …, cursor })');
  const { fetchPage } = options;
  if (typeof fetchPage !== 'function') {
    throw optionError('paginated', 'fetchPage', fetchPage, 'a function (token) => { items, next }');
  }
  if (options.size !== undefined && typeof options.size !== 'function') {
    throw optionError('paginated', 'size', options.size, 'a function returning the item count');
  }
  const start = paginatedStart<Token>(options.cursor);
  return enumerable(async function* () {
    let token = start.page;
    let skip = start.offset;
    for (;;) {
      const page = checkPage<Item, Token>(await fetchPage(token), token);
      const { items } = page;
      const next = page.next ?? null;
      // A page that shrank since the cursor was saved has nothing left to give; go on with the next.
      for (let index = Math.min(skip, items.length); index < items.length; index++) {
        const done = index + 1;
        const cursor: PaginatedCursor<Token> =
          done === items.length && next !== null
            ? { page: next, offset: 0 }
            : { page: token, offset: done };
        yield [items[index] as Item, cursor] as const;
      }
      if (next === null) return;
      token = next;
      skip = 0;
    }
  }, options.size);
}

function paginatedStart<Token extends JsonValue>(cursor: unknown): PaginatedCursor<Token> {
  if (cursor === null || cursor === undefined) return { page: null, offset: 0 };
  if (
    !isObject(cursor) ||
    !('page' in cursor) ||
    !isIndex(cursor.offset) ||
    Object.keys(cursor).length !== 2 ||
    describeNonJson(cursor.page) !== undefined
  ) {
    throw cursorError(
      'paginated',
      cursor,
      'null or { page: <page token or null>, offset: <items done in that page> }',
    );
  }
  return cursor as unknown as PaginatedCursor<Token>;
}

function checkPage<Item, Token extends JsonValue>(
  page: unknown,
  token: Token | null,
): Page<Item, Token> {
  if (!isObject(page) || !Array.isArray(page.items)) {
    throw new EnumeratorError(
      `paginated: fetchPage(${shown(token)}) returned ${shown(page)}; expected ` +
        `{ items: [...], next: <token of the next page, or null on the last page> }.`,
      { source: 'paginated' },
    );
  }
  const next = page.next ?? null;
  const problem = describeNonJson(next, 'next');
  if (problem !== undefined) {
    throw new EnumeratorError(
      `paginated: fetchPage(${shown(token)}) returned a next-page token that is not plain JSON ` +
        `data (${problem}); it is stored in the cursor, so return a string, number or plain object.`,
      { source: 'paginated' },
    );
  }
  // An API that hands back the token it was given would loop forever on the same page.
  if (next !== null && token !== null && JSON.stringify(next) === JSON.stringify(token)) {
    throw new EnumeratorError(
      `paginated: fetchPage(${shown(token)}) returned the same token as its next page; expected ` +
        `the token of the following page, or null on the last page.`,
      { source: 'paginated' },
    );
  }
  return page as unknown as Page<Item, Token>;
}
