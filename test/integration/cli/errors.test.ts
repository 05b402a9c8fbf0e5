// Exit codes and messages of the CLI run as a subprocess: usage errors (2) are caught before any
// connection, unreachable servers (3) fail fast with the address tried whether the port is closed
// or a listener never answers, and control refusals are 4.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { backendByName } from '../../support/backends.js';
import { uniqueQueueName } from '../../support/names.js';
import { redisUrl } from '../../support/servers.js';
import { cli, closedPort, JOBS, killAllCli, NO_JOBS, silentServer, tempDir } from './support.js';

afterAll(() => killAllCli());

const version = (
  JSON.parse(readFileSync(join(import.meta.dirname, '../../../package.json'), 'utf8')) as {
    version: string;
  }
).version;

describe.concurrent('CLI usage', () => {
  it('--version and --help exit 0; each command has help with examples and exit codes', async () => {
    const [v, help, enqueueHelp, helpStatus] = await Promise.all([
      cli(['--version']),
      cli(['--help']),
      cli(['enqueue', '--help']),
      cli(['help', 'status']),
    ]);
    expect(v).toMatchObject({ code: 0, stdout: `${version}\n` });
    expect(help.code).toBe(0);
    for (const name of ['worker', 'enqueue', 'status', 'pause', 'resume', 'cancel', 'demo']) {
      expect(help.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    }
    expect(enqueueHelp.code).toBe(0);
    expect(enqueueHelp.stdout).toContain('Usage: bullmq-iteration enqueue <job>');
    expect(enqueueHelp.stdout).toContain('Examples:');
    expect(enqueueHelp.stdout).toContain('4  control request refused');
    expect(helpStatus.stdout).toContain('--watch');
  });

  it('no command, an unknown command and an unknown flag are usage errors (2)', async () => {
    const [none, unknown, flag, missing] = await Promise.all([
      cli([]),
      cli(['stauts']),
      cli(['status', '--frobnicate']),
      cli(['pause']),
    ]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: bullmq-iteration <command>');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "stauts". Did you mean "status"?');
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("Unknown option '--frobnicate'");
    expect(flag.stderr).toContain('See bullmq-iteration status --help');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('pause: missing <id>');
  });

  it('invalid JSON is a usage error with the position, checked before connecting', async () => {
    // A closed port: had the command connected first, it would have exited with 3.
    const port = await closedPort();
    const result = await cli(['enqueue', 'count-to', '--params', '{"total": 10,}'], {
      env: { BULLMQ_ITERATION_REDIS_URL: `redis://127.0.0.1:${port}` },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--params is not valid JSON');
    expect(result.stderr).toContain('at position 13 (line 1, column 14)');
    expect(result.stderr).toContain('  {"total": 10,}\n               ^');
  });

  it('unknown job names and refused params are usage errors; the module lists its jobs', async () => {
    const port = await closedPort();
    const env = { BULLMQ_ITERATION_REDIS_URL: `redis://127.0.0.1:${port}` };
    const [unknown, refused] = await Promise.all([
      cli(['enqueue', 'count-too', '--module', JOBS], { env }),
      cli(['enqueue', 'count-to', '--module', JOBS, '--params', '{"total":-1}'], { env }),
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown job "count-too"');
    expect(unknown.stderr).toContain('defines "always-fails", "count-to"');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      'Cannot enqueue iteration job "count-to": parseParams rejected its params: total must be a whole number of 1 or more, got -1',
    );
  });

  it('a module without iteration jobs, or no module at all, is refused with what it exports', async () => {
    const [empty, absent] = await Promise.all([
      cli(['worker', NO_JOBS]),
      cli(['worker', './no/such/module.ts']),
    ]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain(
      'exports no iteration jobs; it exports answer (number), helper (function)',
    );
    expect(empty.stderr).toContain('defineIterationJob');
    expect(absent.code).toBe(2);
    expect(absent.stderr).toContain('Cannot find the job module "./no/such/module.ts"');
  });

  it('bad flag values and conflicting connections are usage errors', async () => {
    const results = await Promise.all([
      cli(['enqueue', 'x', '--delay', 'soon']),
      cli(['status', '--redis-url', 'redis://a', '--database-url', 'postgres://b']),
      cli(['status', '--redis-url', 'http://localhost:6379']),
      cli(['status', '--data-dir', 'x'], {
        env: { BULLMQ_ITERATION_REDIS_URL: 'redis://127.0.0.1:1' },
      }),
      cli(['resume', '1', '--reason', 'x']),
    ]);
    expect(results.map((r) => r.code)).toEqual([2, 2, 2, 2, 2]);
    expect(results[0]!.stderr).toContain(
      '--delay expects a whole number of milliseconds ≥ 0, got "soon"',
    );
    expect(results[1]!.stderr).toContain('Give --redis-url or --database-url, not both');
    expect(results[2]!.stderr).toContain('--redis-url must start with redis:// or rediss://');
    expect(results[3]!.stderr).toContain('--data-dir is for the embedded database');
    expect(results[4]!.stderr).toContain('--reason is only for pause and cancel');
  });
});

describe.concurrent('unreachable servers (exit code 3, never a hang)', () => {
  it('a closed port fails at once with the address tried', async () => {
    const port = await closedPort();
    const [redis, postgres, worker] = await Promise.all([
      cli(['status'], { env: { BULLMQ_ITERATION_REDIS_URL: `redis://127.0.0.1:${port}/0` } }),
      cli(['pause', '1', '--database-url', `postgres://app:secret@127.0.0.1:${port}/app`]),
      cli(['worker', JOBS, '--redis-url', `redis://127.0.0.1:${port}`]),
    ]);
    expect(redis.code).toBe(3);
    expect(redis.stderr).toContain(`Cannot reach Redis at redis://127.0.0.1:${port}/0`);
    expect(redis.stderr).toContain('ECONNREFUSED');
    expect(postgres.code).toBe(3);
    expect(postgres.stderr).toContain(
      `Cannot reach PostgreSQL at postgres://app:***@127.0.0.1:${port}/app`,
    );
    expect(postgres.stderr).not.toContain('secret');
    expect(worker.code).toBe(3);
  });

  it('a listener that never answers fails after --timeout', async () => {
    const silent = await silentServer();
    try {
      const [redis, postgres] = await Promise.all([
        cli(['status', '--timeout', '1500'], {
          env: { BULLMQ_ITERATION_REDIS_URL: `redis://127.0.0.1:${silent.port}` },
        }),
        cli(['enqueue', 'count-to', '--timeout', '1500'], {
          env: { BULLMQ_ITERATION_DATABASE_URL: `postgres://app@127.0.0.1:${silent.port}/app` },
        }),
      ]);
      expect(redis.code).toBe(3);
      expect(redis.stderr).toContain(`Cannot reach Redis at redis://127.0.0.1:${silent.port}`);
      expect(redis.stderr).toContain('no answer within 1500 ms');
      expect(postgres.code).toBe(3);
      expect(postgres.stderr).toContain(
        `Cannot reach PostgreSQL at postgres://app@127.0.0.1:${silent.port}/app`,
      );
      // Not a speed claim: it gave up at its --timeout, not after the drivers' own (a minute or
      // more). Start-up of node and tsx on a loaded machine takes most of this bound.
      expect(Math.max(redis.ms, postgres.ms)).toBeLessThan(45_000);
    } finally {
      await silent.close();
    }
  });

  it('an embedded database host that does not answer is named, with what to do', async () => {
    const silent = await silentServer();
    const cwd = tempDir('silent-host');
    const dataDir = join(cwd, '.bullmq-iteration');
    await import('node:fs').then((fs) => fs.mkdirSync(dataDir));
    // This test process is alive, so the record is not stale: it is a stuck worker.
    writeFileSync(
      join(dataDir, 'server.json'),
      JSON.stringify({
        pid: process.pid,
        role: 'worker',
        command: 'worker',
        url: `postgres://postgres@127.0.0.1:${silent.port}/postgres`,
        startedAt: new Date().toISOString(),
        token: 'stuck-worker',
      }),
    );
    try {
      const result = await cli(['status', '--timeout', '1500'], { cwd });
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(
        `is hosted by \`bullmq-iteration worker\` (pid ${process.pid}`,
      );
      expect(result.stderr).toContain(
        `at postgres://postgres@127.0.0.1:${silent.port}/postgres, which does not answer`,
      );
      expect(result.stderr).toContain(`kill ${process.pid}`);
    } finally {
      await silent.close();
    }
  });
});

describe('refused before anything is added', () => {
  it('refused params leave the queue empty', async () => {
    const queueName = uniqueQueueName('cli-refused');
    const result = await cli(
      ['enqueue', 'count-to', '-q', queueName, '-m', JOBS, '-p', '{"total":"lots"}'],
      { env: { BULLMQ_ITERATION_REDIS_URL: redisUrl() } },
    );
    expect(result.code).toBe(2);
    const queue = backendByName('redis').queue(queueName);
    expect(await queue.count()).toBe(0);
  });
});
