// The embedded default shared between CLI processes (src/cli/embedded/): a command opens the data
// directory itself when no worker runs, a worker hosts it for every other command, stale records
// are replaced, a short hold is waited out, and a second worker is refused.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, expect, it } from 'vitest';

import { cli, JOBS, killAllCli, startCli, tempDir } from './support.js';

afterEach(() => killAllCli());

function record(fields: { pid: number; role: string; command: string; url: string | null }) {
  return JSON.stringify({ ...fields, startedAt: new Date().toISOString(), token: 'test-record' });
}

it('commands and one worker share the embedded database of a directory', async () => {
  const cwd = tempDir('shared');
  const dir = join(cwd, '.bullmq-iteration');
  const hostFile = join(dir, 'server.json');

  // A record left by a process that is gone: replaced without a word.
  const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
  const { mkdirSync } = await import('node:fs');
  mkdirSync(dir);
  writeFileSync(
    hostFile,
    record({
      pid: gone,
      role: 'worker',
      command: 'worker',
      url: 'postgres://postgres@127.0.0.1:1/postgres',
    }),
  );

  // No worker: enqueue opens the directory itself, creates the database, and lets go.
  const enqueued = await cli(['enqueue', 'count-to', '-p', '{"total":20}'], { cwd });
  expect(enqueued.code).toBe(0);
  const id = enqueued.stdout.trim();
  expect(existsSync(hostFile)).toBe(false);
  expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toBe('*\n');

  // A worker hosts it from now on, and runs the job enqueued before it started.
  const worker = startCli(['worker', JOBS], { cwd });
  await worker.waitFor('worker ready');
  expect(worker.stdout()).toContain(
    `on embedded database in ${dir} (serving other commands at postgres://`,
  );
  await worker.waitFor(`completed   count-to #${id}  20 items`);
  const hosted = JSON.parse(readFileSync(hostFile, 'utf8')) as { pid: number; url: string };
  expect(hosted.pid).toBe(worker.child.pid);

  // Other commands are its clients; a second worker is refused.
  const [status, second] = await Promise.all([
    cli(['status'], { cwd }),
    cli(['worker', JOBS], { cwd }),
  ]);
  expect(status.code).toBe(0);
  expect(status.stdout).toContain(`id=${id} job=count-to status=completed processed=20 total=20`);
  expect(second.code).toBe(1);
  expect(second.stderr).toContain(
    `is already hosted by \`bullmq-iteration worker\` (pid ${hosted.pid}`,
  );
  expect(second.stderr).toContain('run several workers on Redis or PostgreSQL');

  worker.child.kill('SIGINT');
  expect((await worker.exited).code).toBe(0);
  expect(existsSync(hostFile)).toBe(false);

  // Another command's short hold (this test process, alive) is waited out.
  writeFileSync(
    hostFile,
    record({ pid: process.pid, role: 'command', command: 'enqueue', url: null }),
  );
  const waiting = startCli(['status'], { cwd });
  await waiting.waitFor(`waiting for \`bullmq-iteration enqueue\` (pid ${process.pid}`);
  rmSync(hostFile);
  const waited = await waiting.exited;
  expect(waited.code).toBe(0);
  expect(waited.stdout).toContain(`id=${id} job=count-to status=completed`);
});
