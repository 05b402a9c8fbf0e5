import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { Page } from '../../../src/enumerators/index.js';
import { paginated } from '../../../src/enumerators/index.js';
import { assertResumable, runWithInterruptions } from '../../../src/enumerators/testing.js';
import { CursorError, EnumeratorError } from '../../../src/errors.js';
import { stopSchedules } from './support.js';

/** An API of pages of the given sizes (empty pages included), tokens naming the page: `p3`. */
function fakeApi(pageSizes: readonly number[]) {
  const pages: number[][] = [];
  let next = 0;
  for (const size of pageSizes) pages.push(Array.from({ length: size }, () => next++));
  const calls: (string | null)[] = [];
  const fetchPage = async (token: string | null): Promise<Page<number, string>> => {
    calls.push(token);
    const index = token === null ? 0 : Number(token.slice(1));
    return {
      items: pages[index] ?? [],
      next: index + 1 < pages.length ? `p${index + 1}` : null,
    };
  };
  return { fetchPage, calls, all: pages.flat() };
}

describe('paginated', () => {
  it('yields items one by one with the page token and offset in the cursor', async () => {
    const api = fakeApi([2, 1]);
    const run = await runWithInterruptions((cursor) => paginated({ ...api, cursor }), []);
    expect(run.items).toEqual([0, 1, 2]);
    expect(run.cursors).toEqual([
      { page: null, offset: 1 },
      { page: 'p1', offset: 0 },
      { page: 'p1', offset: 1 },
    ]);
    expect(api.calls).toEqual([null, 'p1']);
  });

  it('resumes anywhere, inside a page or between pages, empty pages included (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 6 }),
        stopSchedules(20),
        async (pageSizes, stops) => {
          const api = fakeApi(pageSizes);
          const run = await runWithInterruptions(
            (cursor) => paginated({ fetchPage: api.fetchPage, cursor }),
            stops,
          );
          expect(run.items).toEqual(api.all);
        },
      ),
    );
  });

  it('passes assertResumable and fetches no page before the first next()', async () => {
    const api = fakeApi([3, 0, 2, 1]);
    await assertResumable((cursor) => paginated({ fetchPage: api.fetchPage, cursor }));
    const calls = api.calls.length;
    const enumerator = paginated({ fetchPage: api.fetchPage });
    enumerator[Symbol.asyncIterator]();
    expect(api.calls.length).toBe(calls);
  });

  it('reports the size the caller gives', async () => {
    const api = fakeApi([2, 2]);
    await assertResumable((cursor) =>
      paginated({ fetchPage: api.fetchPage, cursor, size: async () => 4 }),
    );
  });

  it('keeps object tokens, stored as JSON', async () => {
    const fetchPage = async (token: { after: number } | null) =>
      token === null
        ? { items: ['a', 'b'], next: { after: 2 } }
        : { items: ['c'], next: undefined };
    const run = await runWithInterruptions((cursor) => paginated({ fetchPage, cursor }), [1, 1]);
    expect(run.items).toEqual(['a', 'b', 'c']);
    expect(run.starts).toEqual([
      null,
      { page: null, offset: 1 },
      { offset: 0, page: { after: 2 } },
    ]);
  });

  it('refuses bad options, bad pages and foreign cursors', async () => {
    expect(() => paginated({ fetchPage: 'nope' as never })).toThrow(
      /paginated: expected `fetchPage` to be a function/,
    );
    const fetchPage = async () => ({ items: [1], next: null });
    expect(() => paginated({ fetchPage, cursor: 3 })).toThrow(CursorError);
    expect(() => paginated({ fetchPage, cursor: { page: 'x' } })).toThrow(
      /expected null or \{ page: <page token or null>, offset: <items done in that page> \}/,
    );
    const notAPage = paginated({ fetchPage: async () => ({ data: [] }) as never });
    await expect(runWithInterruptions(() => notAPage, [])).rejects.toThrow(EnumeratorError);
    const looping = paginated({ fetchPage: async () => ({ items: [1], next: 'same' }) });
    await expect(runWithInterruptions(() => looping, [])).rejects.toThrow(
      /returned the same token as its next page/,
    );
    const dated = paginated({ fetchPage: async () => ({ items: [1], next: new Date() as never }) });
    await expect(runWithInterruptions(() => dated, [])).rejects.toThrow(/next: a Date/);
  });
});
