/**
 * The iterator of `keyset` and `keysetBatches`: one statement per page, a page read only when the
 * previous one is used up. Hand-written rather than an async generator, because every `yield` of
 * an async generator costs several promise turns, a measurable share of a fast row loop; for the
 * same reason the cursor of a row is made only when the row is handed out, and the rest of a page
 * is handed out synchronously to a reader that asks `nextBuffered()` (the runtime's loop does).
 */
import type { BufferedIterator } from '../../enumerator.js';
import type { KeysetCursor, KeysetPlan, KeysetSpec } from './keyset-plan.js';
import { checked } from './statement.js';

type Row = Record<string, unknown>;

export function keysetPages<Item>(
  spec: KeysetSpec,
  plan: () => Promise<KeysetPlan>,
  start: KeysetCursor | null,
  batched: boolean,
): BufferedIterator<readonly [Item, KeysetCursor]> {
  let rows: Row[] = [];
  let index = 0;
  let after = start;
  let more = true;
  let ready: KeysetPlan | undefined;

  async function nextPage(): Promise<void> {
    if (ready === undefined) {
      ready = await plan();
      if (start !== null) ready.checkCursor(start);
    }
    const text = after === null ? ready.firstPage : ready.nextPage;
    const values = ready.pageValues(after);
    rows = (await checked(spec.query, text, values, 'reading a page', spec.source, after)).rows;
    index = 0;
    // A short page is the last: no statement is spent to learn that the next one is empty.
    more = rows.length === spec.batchSize;
  }

  return {
    async next() {
      while (index >= rows.length) {
        if (!more) return { done: true, value: undefined };
        await nextPage();
        if (batched && rows.length > 0) {
          // Every row passes through cursorOf, which also strips the helper key columns.
          for (const row of rows) after = (ready as KeysetPlan).cursorOf(row);
          index = rows.length;
          return { done: false, value: [rows as Item, after as KeysetCursor] as const };
        }
      }
      const row = rows[index++] as Row;
      after = (ready as KeysetPlan).cursorOf(row);
      return { done: false, value: [row as Item, after] as const };
    },
    // The rest of the page in hand, one row at a time, without a promise turn (see enumerator.ts).
    nextBuffered() {
      if (batched || index >= rows.length) return undefined;
      const row = rows[index++] as Row;
      after = (ready as KeysetPlan).cursorOf(row);
      return [row as Item, after] as const;
    },
    async return() {
      more = false;
      rows = [];
      return { done: true, value: undefined };
    },
  };
}
