// The dispatcher in-process: help for every command, --version, and usage errors (exit code 2)
// that never reach a server.
import { describe, expect, it } from 'vitest';

import { COMMANDS, report, runCli } from '../../../src/cli/cli.js';
import { CliError } from '../../../src/cli/exit-codes.js';
import type { CliIo } from '../../../src/cli/io.js';

function io(env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const value: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env,
    cwd: '/nonexistent',
  };
  return { io: value, out: () => stdout, err: () => stderr };
}

describe('runCli', () => {
  it('prints the version and the command list', async () => {
    const version = io();
    expect(await runCli(['--version'], version.io)).toBe(0);
    expect(version.out()).toMatch(/^\d+\.\d+\.\d+/);
    const help = io();
    expect(await runCli(['--help'], help.io)).toBe(0);
    expect(help.out()).toContain('Usage: bullmq-iteration <command> [options]');
  });

  it.each(COMMANDS.map((c) => c.name))(
    '%s --help has usage, examples and exit codes',
    async (name) => {
      const run = io();
      expect(await runCli([name, '--help'], run.io)).toBe(0);
      expect(run.out()).toContain(`Usage: bullmq-iteration ${name}`);
      expect(run.out()).toMatch(/Examples:\n {2}bullmq-iteration /);
      expect(run.out()).toContain('Exit codes:');
      expect(run.err()).toBe('');
    },
  );

  it.each([
    [[], 'Usage: bullmq-iteration <command>'],
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['help', 'frobnicate'], 'unknown command "frobnicate"'],
    [['worker'], 'worker: missing <module>.'],
    [
      ['worker', 'jobs.ts', '--concurrency', '0'],
      '--concurrency expects a whole number between 1 and 1,000, got "0".',
    ],
    [['worker', 'jobs.ts', '--log-level', 'loud'], '--log-level expects one of fatal, error, warn'],
    [['enqueue'], 'enqueue: missing <job>.'],
    [['enqueue', 'x', '--params', '[1,'], '--params is not valid JSON'],
    [
      ['enqueue', 'x', '--priority', '0'],
      '--priority expects a whole number between 1 and 2,097,152',
    ],
    [
      ['enqueue', 'x', '--job-id', '123'],
      '--job-id must be a non-empty, non-numeric id without ":"',
    ],
    [['status', '1', '2'], 'status: unexpected argument "2" (it takes <id>).'],
    [['status', '--interval', '10'], '--interval expects a whole number of milliseconds ≥ 100'],
    [['cancel'], 'cancel: missing <id>.'],
    [['demo', '--rows', '10'], '--rows expects a whole number between 1,000 and 10,000,000'],
    [
      ['restart', '42', '--from-cursor', "{id:'4822'}"],
      'bullmq-iteration restart: cannot restart job 42: --from-cursor is not valid JSON',
    ],
    [['restart', '--from-cursor', '4'], 'restart: missing <id>.'],
  ])('%j is a usage error', async (argv, message) => {
    const run = io({ BULLMQ_ITERATION_REDIS_URL: 'redis://127.0.0.1:1' });
    expect(await runCli(argv, run.io)).toBe(2);
    expect(run.err()).toContain(message);
  });
});

describe('report', () => {
  it('maps errors to exit codes', () => {
    const run = io();
    expect(report('status', new CliError('gone', 3), run.io)).toBe(3);
    const refused = Object.assign(new Error('No job with id "9"'), { name: 'RunControlError' });
    expect(report('pause', refused, run.io)).toBe(4);
    expect(report('worker', new Error('module threw'), run.io)).toBe(1);
    expect(run.err()).toBe(
      'bullmq-iteration status: gone\nbullmq-iteration pause: No job with id "9"\nbullmq-iteration worker: module threw\n',
    );
  });
});
