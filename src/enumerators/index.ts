/**
 * The enumerator builders: one per file, each taking the cursor the runtime passes and yielding
 * `[item, cursorAfterItem]` pairs. Test helpers live in `./testing.ts`, apart from the runtime
 * surface.
 */
export type { ArrayCursor, ArrayOptions } from './array.js';
export { array } from './array.js';
export { batches } from './batches.js';
export type { CsvColumns, CsvCursor, CsvOptions, CsvParserOptions } from './csv.js';
export { csv, csvBatches } from './csv.js';
export type { KeysetCursor, KeysetOptions } from './keyset.js';
export { keyset, keysetBatches } from './keyset.js';
export type { InnerBuilder, NestedCursor, NestedOptions, OuterBuilder } from './nested.js';
export { nested } from './nested.js';
export type { OnceOptions } from './once.js';
export { once } from './once.js';
export type { Page, PaginatedCursor, PaginatedOptions } from './paginated.js';
export { paginated } from './paginated.js';
export type { RangeCursor, RangeOptions } from './range.js';
export { range, times } from './range.js';
export type { RedisKeysCursor, RedisKeysOptions, RedisScanClient } from './redis-keys.js';
export { redisKeys } from './redis-keys.js';
export type {
  PgliteQueryable,
  PgQueryable,
  QueryField,
  QueryFunction,
  QueryResult,
} from './sql/query.js';
export { pgliteQuery, pgQuery } from './sql/query.js';
