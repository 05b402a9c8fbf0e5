// Argument parsing and the resolution of queue and connection: flags over environment over the
// embedded default, every mistake a usage error that says what would be right.
import { describe, expect, it } from 'vitest';

import { parseCommandArgs, parseInteger, wantsHelp } from '../../../src/cli/args.js';
import type { CliError } from '../../../src/cli/exit-codes.js';
import { describeTarget, resolveTarget } from '../../../src/cli/target.js';

function usage(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect((error as CliError).exitCode).toBe(2);
    return (error as Error).message;
  }
  throw new Error('expected a usage error');
}

describe('parseCommandArgs', () => {
  const options = { reason: { type: 'string', short: 'r' }, json: { type: 'boolean' } } as const;

  it('returns typed values and positionals', () => {
    const parsed = parseCommandArgs('pause', ['42', '-r', 'db', '--json'], options, {
      names: ['id'],
    });
    expect(parsed.positionals).toEqual(['42']);
    expect(parsed.values).toEqual({ reason: 'db', json: true });
  });

  it('refuses unknown options, missing and extra positionals, naming the command', () => {
    // The rest of the message is Node's own and varies between versions.
    expect(
      usage(() => parseCommandArgs('pause', ['1', '--why'], options, { names: ['id'] })),
    ).toMatch(/^pause: Unknown option '--why'/);
    expect(usage(() => parseCommandArgs('pause', [], options, { names: ['id'] }))).toBe(
      'pause: missing <id>.',
    );
    expect(usage(() => parseCommandArgs('pause', ['1', '2'], options, { names: ['id'] }))).toBe(
      'pause: unexpected argument "2" (it takes <id>).',
    );
    expect(usage(() => parseCommandArgs('demo', ['x'], options, { names: [] }))).toBe(
      'demo: unexpected argument "x" (it takes none).',
    );
    expect(parseCommandArgs('status', [], options, { names: ['id?'] }).positionals).toEqual([]);
  });

  it('reads --help before a -- terminator only', () => {
    expect(wantsHelp(['x', '--help'])).toBe(true);
    expect(wantsHelp(['-h'])).toBe(true);
    expect(wantsHelp(['--reason=-h'])).toBe(false);
    expect(wantsHelp(['--', '--help'])).toBe(false);
  });
});

describe('parseInteger', () => {
  it('accepts whole numbers within bounds', () => {
    expect(parseInteger('--delay', '1500', { min: 0 })).toBe(1500);
    expect(parseInteger('--priority', '1', { min: 1, max: 10 })).toBe(1);
  });

  it.each([
    ['1.5', '--delay expects a whole number of milliseconds ≥ 0, got "1.5".'],
    ['-1', '--delay expects a whole number of milliseconds ≥ 0, got "-1".'],
    ['soon', '--delay expects a whole number of milliseconds ≥ 0, got "soon".'],
    ['', '--delay expects a whole number of milliseconds ≥ 0, got "".'],
  ])('refuses %j with the value and the range', (text, message) => {
    expect(usage(() => parseInteger('--delay', text, { min: 0, unit: 'milliseconds' }))).toBe(
      message,
    );
  });

  it('shows both bounds when there is a maximum', () => {
    expect(usage(() => parseInteger('--rows', '5', { min: 1_000, max: 10_000_000 }))).toBe(
      '--rows expects a whole number between 1,000 and 10,000,000, got "5".',
    );
  });
});

describe('resolveTarget', () => {
  const cwd = '/work/app';
  const resolve = (values: Record<string, string>, env: Record<string, string> = {}) =>
    resolveTarget(values as Record<string, string>, env, cwd);

  it('defaults to the maintenance queue on the embedded database in ./.bullmq-iteration', () => {
    expect(resolve({})).toEqual({
      queueName: 'maintenance',
      source: {
        kind: 'embedded',
        dataDir: '/work/app/.bullmq-iteration',
        from: 'no BULLMQ_ITERATION_REDIS_URL or BULLMQ_ITERATION_DATABASE_URL set',
      },
      timeoutMs: 10_000,
      verbose: false,
    });
  });

  it("takes flags over the library's own variables, and those over the embedded default", () => {
    const env = {
      BULLMQ_ITERATION_REDIS_URL: 'redis://env:6379',
      BULLMQ_ITERATION_QUEUE: 'nightly',
    };
    expect(resolve({}, env)).toMatchObject({
      queueName: 'nightly',
      source: { kind: 'redis', url: 'redis://env:6379', from: 'BULLMQ_ITERATION_REDIS_URL' },
    });
    expect(resolve({ 'database-url': 'postgresql://flag/db', queue: 'q' }, env)).toMatchObject({
      queueName: 'q',
      source: { kind: 'postgres', url: 'postgresql://flag/db', from: '--database-url' },
    });
    expect(
      resolve(
        {},
        { BULLMQ_ITERATION_DATABASE_URL: 'postgres://env/db', BULLMQ_ITERATION_REDIS_URL: ' ' },
      ).source,
    ).toEqual({
      kind: 'postgres',
      url: 'postgres://env/db',
      from: 'BULLMQ_ITERATION_DATABASE_URL',
    });
    expect(resolve({ 'data-dir': 'state', timeout: '250' })).toMatchObject({
      source: { kind: 'embedded', dataDir: '/work/app/state' },
      timeoutMs: 250,
    });
    expect(resolve({}, { BULLMQ_ITERATION_DATA_DIR: '/var/lib/jobs' }).source).toMatchObject({
      kind: 'embedded',
      dataDir: '/var/lib/jobs',
    });
  });

  it("ignores the app's REDIS_URL and DATABASE_URL unless opted in, and says so", () => {
    const app = { REDIS_URL: 'redis://app:6379', DATABASE_URL: 'postgres://app/db' };
    const ignored = resolve({}, app).source;
    expect(ignored.kind).toBe('embedded');
    expect(ignored.from).toContain(
      'REDIS_URL and DATABASE_URL ignored unless BULLMQ_ITERATION_USE_GENERIC_URLS=1',
    );
    expect(resolve({}, { ...app, BULLMQ_ITERATION_USE_GENERIC_URLS: '1' }).source).toEqual({
      kind: 'redis',
      url: 'redis://app:6379',
      from: 'REDIS_URL',
    });
    expect(
      resolve({}, { DATABASE_URL: 'postgres://app/db', BULLMQ_ITERATION_USE_GENERIC_URLS: 'true' })
        .source,
    ).toMatchObject({ kind: 'postgres', from: 'DATABASE_URL' });
  });

  it('--verbose names the backend, the setting that chose it and the queue, without a password', () => {
    const target = resolve(
      { verbose: true as never, queue: 'nightly' },
      { BULLMQ_ITERATION_DATABASE_URL: 'postgres://app:hunter2@db/app' },
    );
    expect(describeTarget(target)).toBe(
      'backend: PostgreSQL at postgres://app:***@db/app (from BULLMQ_ITERATION_DATABASE_URL); queue "nightly"',
    );
  });

  it('refuses conflicting or malformed connections, never echoing a password', () => {
    expect(usage(() => resolve({ 'redis-url': 'redis://a', 'database-url': 'postgres://b' }))).toBe(
      'Give --redis-url or --database-url, not both: they choose different backends.',
    );
    expect(usage(() => resolve({ 'database-url': 'mysql://u:p@h/db' }))).toContain(
      '--database-url must start with postgres:// or postgresql://, got "mysql://…"',
    );
    const malformed = usage(() =>
      resolve({}, { BULLMQ_ITERATION_REDIS_URL: 'redis://user:hunter2@' }),
    );
    expect(malformed).toContain(
      'BULLMQ_ITERATION_REDIS_URL is not a valid URL: "redis://user:***@"',
    );
    expect(malformed).not.toContain('hunter2');
    expect(
      usage(() => resolve({ 'data-dir': 'x' }, { BULLMQ_ITERATION_REDIS_URL: 'redis://h' })),
    ).toContain(
      '--data-dir is for the embedded database, but this command uses Redis (from BULLMQ_ITERATION_REDIS_URL)',
    );
    expect(
      usage(() =>
        resolve(
          {},
          {
            BULLMQ_ITERATION_REDIS_URL: 'redis://h',
            BULLMQ_ITERATION_DATABASE_URL: 'postgres://h/d',
          },
        ),
      ),
    ).toContain('Give BULLMQ_ITERATION_REDIS_URL or BULLMQ_ITERATION_DATABASE_URL, not both');
    expect(usage(() => resolve({ queue: 'a:b' }))).toBe(
      '--queue expects a queue name without ":", got "a:b".',
    );
    expect(usage(() => resolve({ timeout: '0' }))).toContain('--timeout expects a whole number');
  });

  it('takes comma-separated Redis URLs as the nodes of a cluster, checking each', () => {
    const list = 'redis://u:one@a:7000,redis://u:two@b:7001';
    expect(resolve({ 'redis-url': list }).source).toEqual({
      kind: 'redis',
      url: list,
      from: '--redis-url',
    });
    expect(describeTarget(resolve({ 'redis-url': list }))).toContain(
      'Redis at redis://u:***@a:7000,redis://u:***@b:7001 (from --redis-url)',
    );
    expect(() => resolve({ 'redis-url': 'redis://a:7000,postgres://b' })).toThrow(
      '--redis-url must start with redis:// or rediss://',
    );
  });
});
