// `jobs -m` shows each job's version and its migration chain, gaps included, in text and JSON.
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runCli } from '../../../src/cli/cli.js';
import type { CliIo } from '../../../src/cli/io.js';

const MODULE = join(import.meta.dirname, '..', '..', 'fixtures', 'cli', 'versioned-jobs.ts');

async function jobs(...extra: string[]): Promise<string> {
  let stdout = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: () => {} },
    env: {},
    cwd: process.cwd(),
  };
  expect(await runCli(['jobs', '-m', MODULE, ...extra], io)).toBe(0);
  return stdout;
}

describe('jobs -m with versioned jobs', () => {
  it('lists the version and the migrations of each job', async () => {
    const text = await jobs();
    expect(text).toContain('plain  version 1\n');
    expect(text).toContain('rows  version 3  migrate 1→2 2→3\n');
    expect(text).toContain('gap  version 4  migrate 2→3 3→4\n');
    const listed = JSON.parse(await jobs('--json')) as { name: string; version: number }[];
    expect(listed.map(({ name, version }) => [name, version])).toEqual([
      ['gap', 4],
      ['plain', 1],
      ['rows', 3],
    ]);
    expect(listed[2]).toMatchObject({ migrations: ['1→2', '2→3'] });
  });
});
