// The worker's `logger` option as a process shows it: by default the library logs at info to
// stdout; `logger: false` prints nothing; a level prints only what reaches it.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { describe, expect, it } from 'vitest';

import { uniqueQueueName } from '../../support/names.js';
import { redisUrl } from '../../support/servers.js';

const run = promisify(execFile);
const FIXTURE = join(import.meta.dirname, '..', '..', 'fixtures', 'quiet-worker.ts');

async function stdoutOf(mode: string): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env, TEST_REDIS_URL: redisUrl() };
  delete env.LOG_LEVEL;
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', FIXTURE, mode, uniqueQueueName('logger')],
    { env, timeout: 60_000 },
  );
  return stdout;
}

describe('the logger option', () => {
  it('logs at info by default, nothing with false, and only from the level given', async () => {
    const [byDefault, none, warn] = await Promise.all([
      stdoutOf('default'),
      stdoutOf('false'),
      stdoutOf('warn'),
    ]);
    expect(byDefault).toContain('"msg":"an item"');
    expect(none).toBe('');
    expect(warn).not.toContain('"level":30');
  }, 90_000);
});
