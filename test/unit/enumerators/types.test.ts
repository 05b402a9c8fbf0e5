// Pins the public types of the builders: what a job definition infers from them.
import { Cluster } from 'ioredis';
import { describe, expectTypeOf, it } from 'vitest';

import type { IterationEnumerator } from '../../../src/enumerator.js';
import type {
  ArrayCursor,
  ArrayOptions,
  CsvCursor,
  KeysetCursor,
  NestedCursor,
  PaginatedCursor,
  QueryFunction,
  RangeCursor,
  RedisKeysCursor,
  RedisScanClient,
} from '../../../src/enumerators/index.js';
import {
  array,
  batches,
  csv,
  csvBatches,
  keyset,
  keysetBatches,
  nested,
  once,
  paginated,
  range,
  redisKeys,
  times,
} from '../../../src/enumerators/index.js';

// Builders read nothing until iterated, so stand-ins that would fail are enough here.
const query: QueryFunction = () => Promise.reject(new Error('not called'));
const redis = { scan: () => Promise.reject(new Error('not called')) } as RedisScanClient;
interface User {
  readonly id: string;
  readonly email: string;
}

describe('builder types', () => {
  it('infer items and cursors', () => {
    expectTypeOf(array(['a'])).toEqualTypeOf<IterationEnumerator<string, ArrayCursor>>();
    expectTypeOf(range({ to: 3 })).toEqualTypeOf<IterationEnumerator<number, RangeCursor>>();
    expectTypeOf(times(3)).toEqualTypeOf<IterationEnumerator<number, RangeCursor>>();
    expectTypeOf(once()).toEqualTypeOf<IterationEnumerator<null, ArrayCursor>>();
    expectTypeOf(once({ item: 1 })).toEqualTypeOf<IterationEnumerator<number, ArrayCursor>>();
    expectTypeOf(batches(array([1]), 2)).toEqualTypeOf<IterationEnumerator<number[], number>>();
    expectTypeOf(
      paginated({ fetchPage: async (token: string | null) => ({ items: [token], next: null }) }),
    ).toEqualTypeOf<IterationEnumerator<string | null, PaginatedCursor<string>>>();
    expectTypeOf(keyset<User>({ query, table: 'users', columns: ['id'] })).toEqualTypeOf<
      IterationEnumerator<User, KeysetCursor>
    >();
    expectTypeOf(keysetBatches<User>({ query, table: 'users', columns: ['id'] })).toEqualTypeOf<
      IterationEnumerator<User[], KeysetCursor>
    >();
    expectTypeOf(csv({ path: 'a.csv' })).toEqualTypeOf<
      IterationEnumerator<Record<string, string>, CsvCursor>
    >();
    expectTypeOf(
      csvBatches<string[]>({ path: 'a.csv', header: false, batchSize: 2 }),
    ).toEqualTypeOf<IterationEnumerator<string[][], CsvCursor>>();
    expectTypeOf(redisKeys({ redis })).toEqualTypeOf<
      IterationEnumerator<string, RedisKeysCursor>
    >();
    // An ioredis Cluster fits as it is; the cursor type stays the same.
    const cluster = new Cluster([{ host: '127.0.0.1', port: 7000 }], { lazyConnect: true });
    expectTypeOf(redisKeys({ redis: cluster })).toEqualTypeOf<
      IterationEnumerator<string, RedisKeysCursor>
    >();
    void cluster.disconnect();
    expectTypeOf(
      nested([
        (cursor) => array([[1, 2]], { cursor }),
        (pair: number[], cursor) => array(pair, { cursor }),
      ]),
    ).toEqualTypeOf<IterationEnumerator<number, NestedCursor>>();
  });

  it('accept whatever cursor the runtime hands over', () => {
    const cursor = null as unknown;
    expectTypeOf(array).parameter(1).toEqualTypeOf<ArrayOptions | undefined>();
    expectTypeOf<ArrayOptions['cursor']>().toEqualTypeOf<unknown>();
    array([1], { cursor });
    keyset({ query, table: 't', columns: ['id'], cursor });
    csv({ path: 'a.csv', cursor });
  });
});
