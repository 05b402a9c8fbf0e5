// examples/dashboard.ts as a user runs it: it serves bull-board on the port it prints, its runs'
// progress shows in bull-board's API, and Ctrl-C stops it cleanly.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { backendByName } from '../../support/backends.js';
import { eventually } from '../../support/iteration.js';

const example = join(import.meta.dirname, '..', '..', '..', 'examples', 'dashboard.ts');
const redis = backendByName('redis');

describe('examples/dashboard.ts', () => {
  it('serves bull-board with its runs moving, and stops on SIGINT', async () => {
    const { host, port } = redis.connection;
    // Obliterated after the test: the example's queue name is fixed.
    redis.queue('dashboard-demo');
    const child = spawn(
      process.execPath,
      ['--conditions=@bullmq-iteration/source', '--import', 'tsx', example],
      {
        env: { ...process.env, BULLMQ_ITERATION_REDIS_URL: `redis://${host}:${port}`, PORT: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    try {
      const queueUrl = await eventually(
        () => /(http:\/\/\S+\/queue\/dashboard-demo)/.exec(output)?.[1],
        'the example to print its URL',
      );
      const api = queueUrl.replace('/queue/', '/api/queues?activeQueue=');
      const percent = await eventually(async () => {
        const body = (await (await fetch(`${api}&status=active`)).json()) as {
          queues: { jobs: { progress: { progress?: number } }[] }[];
        };
        const shown = body.queues[0]?.jobs.map((job) => job.progress?.progress ?? 0) ?? [];
        return shown.find((p) => p > 0);
      }, 'a run of the example to show a percentage in bull-board');
      expect(percent).toBeLessThan(100);

      child.kill('SIGINT');
      const [code] = await exited;
      expect(output).toMatch(/SIGINT: checkpointing the runs in flight/);
      expect(output).toMatch(/stopped; the runs continue from their cursors/);
      expect(code).toBe(0);
    } catch (error) {
      if (error instanceof Error) error.message += `\nexample output:\n${output}`;
      throw error;
    } finally {
      stopChild(child);
    }
  });
});

function stopChild(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
