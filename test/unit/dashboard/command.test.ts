// `bullmq-iteration dashboard` refuses bad arguments before it opens anything (exit code 2).
import { describe, expect, it } from 'vitest';

import { runCli } from '../../../src/cli/cli.js';
import type { CliIo } from '../../../src/cli/io.js';

async function run(argv: string[], env: Record<string, string> = {}) {
  let stderr = '';
  const io: CliIo = {
    stdout: { write: () => true },
    stderr: { write: (text: string) => (stderr += text) },
    env,
    cwd: '/nonexistent',
  };
  const code = await runCli(['dashboard', ...argv], io);
  return { code, stderr };
}

describe('bullmq-iteration dashboard arguments', () => {
  it.each([
    [['--port', '70000'], /--port expects a whole number between 0 and 65,535, got "70000"/],
    [['--port', 'http'], /--port expects a whole number/],
    [['--host', ' '], /--host expects an address/],
    [['--limit', '0'], /--limit expects a whole number between 1 and 1,000/],
    [['--upload-max-mb', '5'], /--upload-max-mb needs --upload-dir/],
    [['--queue', 'a,b:c'], /--queue expects.*without ":", got "b:c"/],
    [['extra'], /unexpected argument "extra" \(it takes none\)/],
    [['--token', 'x'], /Unknown option '--token'/],
  ])('%j is a usage error', async (argv, message) => {
    const { code, stderr } = await run(argv);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  it('refuses a short token from the environment without repeating it', async () => {
    const { code, stderr } = await run([], { BULLMQ_ITERATION_DASHBOARD_TOKEN: 'hunter2' });
    expect(code).toBe(2);
    expect(stderr).toContain(
      '$BULLMQ_ITERATION_DASHBOARD_TOKEN must be at least 16 characters, got 7.',
    );
    expect(stderr).not.toContain('hunter2');
  });
});
