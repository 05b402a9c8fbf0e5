// Which backend connect() and the CLI pick from explicit settings and the environment, and how a
// Redis URL becomes connection options (IPv6 included).
import { describe, expect, it } from 'vitest';

import { chooseBackend } from '../../../src/backend-choice.js';
import { redisOptionsFromUrl } from '../../../src/redis-url.js';

const names = { redisUrl: 'the redisUrl option', databaseUrl: 'the databaseUrl option' };

describe('chooseBackend', () => {
  it('an explicit databaseUrl wins over a Redis URL in the environment', () => {
    const env = { BULLMQ_ITERATION_REDIS_URL: 'redis://env:6379', REDIS_URL: 'redis://app:6379' };
    expect(chooseBackend({ databaseUrl: 'postgres://q/db', names }, env)).toEqual({
      kind: 'postgres',
      url: 'postgres://q/db',
      from: 'the databaseUrl option',
    });
  });

  it("never takes the app's DATABASE_URL unless opted in", () => {
    const env = { DATABASE_URL: 'postgres://app/db' };
    expect(chooseBackend({ names }, env).kind).toBe('embedded');
    expect(chooseBackend({ names, useGenericUrls: true }, env)).toMatchObject({
      kind: 'postgres',
      from: 'DATABASE_URL',
    });
    expect(
      chooseBackend({ names }, { ...env, BULLMQ_ITERATION_USE_GENERIC_URLS: 'yes' }),
    ).toMatchObject({ kind: 'postgres' });
    expect(
      chooseBackend(
        { names, useGenericUrls: false },
        { ...env, BULLMQ_ITERATION_USE_GENERIC_URLS: '1' },
      ).kind,
    ).toBe('embedded');
  });

  it('refuses two explicit URLs, naming both', () => {
    expect(() =>
      chooseBackend({ redisUrl: 'redis://a', databaseUrl: 'postgres://b', names }, {}),
    ).toThrow('Give the redisUrl option or the databaseUrl option, not both');
  });
});

describe('redisOptionsFromUrl', () => {
  it('unwraps IPv6 hosts and asks ioredis for IPv6', () => {
    expect(redisOptionsFromUrl('redis://[::1]:6380/2')).toEqual({
      host: '::1',
      port: 6380,
      db: 2,
      family: 6,
      maxRetriesPerRequest: null,
    });
    expect(redisOptionsFromUrl('redis://u:p%40ss@cache.internal')).toEqual({
      host: 'cache.internal',
      port: 6379,
      username: 'u',
      password: 'p@ss',
      maxRetriesPerRequest: null,
    });
  });

  it('names the setting in its errors, never the password', () => {
    expect(() => redisOptionsFromUrl('redis://u:secret@', 'BULLMQ_ITERATION_REDIS_URL')).toThrow(
      'BULLMQ_ITERATION_REDIS_URL is not a valid URL: "(unparseable URL)"',
    );
    expect(() => redisOptionsFromUrl('http://u:secret@h', 'BULLMQ_ITERATION_REDIS_URL')).toThrow(
      'BULLMQ_ITERATION_REDIS_URL must start with redis:// or rediss://, got "http://…"',
    );
  });
});
