// The README's code runs: examples/ are executed as users would run them, on every backend
// connect() can pick (BULLMQ_ITERATION_REDIS_URL, BULLMQ_ITERATION_DATABASE_URL, and neither: the
// embedded default).
import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { postgresUrl, redisUrl } from '../../support/servers.js';

const root = join(import.meta.dirname, '..', '..', '..');

function runExample(
  file: string,
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=@bullmq-iteration/source', join(root, 'examples', file)],
      {
        cwd: root,
        // Only what the example should see: no REDIS_URL/DATABASE_URL from the outer environment.
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          LOG_LEVEL: 'warn',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('examples', () => {
  it.each([
    ['redis', () => ({ BULLMQ_ITERATION_REDIS_URL: redisUrl() })],
    ['postgres', () => ({ BULLMQ_ITERATION_DATABASE_URL: postgresUrl() })],
    ['embedded', () => ({})],
  ] as const)('quickstart runs on %s', async (kind, env) => {
    const { code, output } = await runExample('quickstart.ts', env());
    expect(output).toContain(
      `sent 3 welcome e-mails on ${kind}: ada@example.com, grace@example.com, linus@example.com`,
    );
    expect(code).toBe(0);
  });

  it.each([
    ['redis', () => ({ BULLMQ_ITERATION_REDIS_URL: redisUrl() })],
    ['postgres', () => ({ BULLMQ_ITERATION_DATABASE_URL: postgresUrl() })],
  ] as const)('typed params run on %s', async (kind, env) => {
    const { code, output } = await runExample('typed-params.ts', env());
    expect(output).toContain('refused: segment: Invalid option');
    expect(output).toContain(`notified 1 on ${kind}: ada@example.com (trial)`);
    expect(code).toBe(0);
  });

  it('the demo runs on the embedded database with REDIS_URL exported, across a real SIGTERM', async () => {
    const { code, output } = await runExample('demo.ts', {
      DEMO_ROWS: '5000',
      // A BullMQ user's usual environment: the demo must not take it.
      REDIS_URL: redisUrl(),
      DATABASE_URL: postgresUrl(),
    });
    expect(output).toContain('- starting the embedded database (PGlite, no server needed)');
    expect(output).toContain(
      'REDIS_URL and DATABASE_URL ignored unless BULLMQ_ITERATION_USE_GENERIC_URLS=1',
    );
    expect(output).toMatch(/deploy! SIGTERM to worker 1 \(pid \d+\) at batch \d of 10/);
    expect(output).toContain('exited by SIGTERM');
    expect(output).toMatch(/rows processed exactly once\s+5,000 of 5,000/);
    expect(output).toMatch(/interruptions\s+1 \(the SIGTERM at [\d,]+ rows\)/);
    expect(output).toContain('OK: every row was processed exactly once across the deploy.');
    expect(code).toBe(0);
  });
});
