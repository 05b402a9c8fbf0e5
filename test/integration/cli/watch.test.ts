// `status --watch`: on a real terminal (a tmux pane) the table is redrawn in place on the
// alternate screen, follows a resize, and Ctrl-C restores the terminal; through a pipe it prints
// plain lines (or JSON lines) as runs change.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

import { afterEach, describe, expect, it } from 'vitest';

import { uniqueQueueName } from '../../support/names.js';
import { redisUrl } from '../../support/servers.js';
import { cli, CLI_SHELL, JOBS, killAllCli, startCli } from './support.js';

afterEach(() => killAllCli());

const env = () => ({ BULLMQ_ITERATION_REDIS_URL: redisUrl() });

/** A worker with one long run in progress; returns the run's id. */
async function busyQueue(queueName: string): Promise<string> {
  const worker = startCli(['worker', JOBS, '-q', queueName], { env: env() });
  await worker.waitFor('worker ready');
  const enqueued = await cli(
    ['enqueue', 'count-to', '-q', queueName, '-p', '{"total":100000,"stepMs":5}'],
    { env: env() },
  );
  const id = enqueued.stdout.trim();
  await worker.waitFor(`started     count-to #${id}`);
  return id;
}

/** tmux on a socket of its own: the test's server, sessions and environment only. */
function tmuxOn(socket: string) {
  return (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
}

async function until<T>(read: () => T, ok: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = read();
    if (ok(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last saw:\n${String(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('status --watch', () => {
  it('in a terminal: redrawn in place, follows a resize, Ctrl-C restores the terminal', async () => {
    const queueName = uniqueQueueName('cli-watch');
    const id = await busyQueue(queueName);
    const tmux = tmuxOn(`bullmq-iteration-test-${randomBytes(4).toString('hex')}`);
    const command =
      `env NO_COLOR=1 BULLMQ_ITERATION_REDIS_URL='${redisUrl()}' ${CLI_SHELL} status -q ${queueName} ` +
      '--watch --interval 200; echo EXIT=$?; sleep 600';
    tmux('new-session', '-d', '-s', 'watch', '-x', '120', '-y', '30', command);
    try {
      const screen = () => tmux('capture-pane', '-p', '-t', 'watch');
      const flags = () =>
        tmux('display-message', '-p', '-t', 'watch', '#{alternate_on} #{cursor_flag}').trim();
      const row = (text: string) => text.split('\n').find((l) => l.startsWith(`${id} `)) ?? '';

      const first = await until(screen, (s) => /running/.test(row(s)), 'the running row');
      expect(first).toContain(`bullmq-iteration status · queue ${queueName} · redis://`);
      expect(first).toMatch(
        /^ID\s+JOB\s+STATUS\s+PROGRESS\s+PROCESSED\s+RATE\s+ETA\s+INT\s+THR\s+TRN$/m,
      );
      expect(row(first)).toMatch(/count-to\s+running\s+[█░]{30}\s+\d+\.\d%\s+[\d,]+\/100,000/);
      expect(flags()).toBe('1 0'); // alternate screen on, cursor hidden

      // Redrawn in place: the figures move, the layout does not scroll or repeat.
      const processed = (s: string) => /([\d,]+)\/100,000/.exec(row(s))?.[1];
      const later = await until(screen, (s) => processed(s) !== processed(first), 'a redraw');
      expect(later.match(/^ID\s+JOB/gm)).toHaveLength(1);
      expect(later.split('\n').findIndex((l) => l.startsWith('ID '))).toBe(
        first.split('\n').findIndex((l) => l.startsWith('ID ')),
      );

      // A narrower terminal gets a shorter bar, and every column still fits.
      tmux('resize-window', '-t', 'watch', '-x', '90', '-y', '20');
      const narrow = await until(
        screen,
        (s) => /[█░]+/.exec(row(s))?.[0].length !== 30 && row(s) !== '',
        'a redraw at 90 columns',
      );
      const bar = /[█░]+/.exec(row(narrow))![0].length;
      expect(bar).toBeGreaterThanOrEqual(5);
      expect(bar).toBeLessThan(30);
      expect(row(narrow)).toMatch(/\s+\d+\s+\d+\s+\d+$/); // INT, THR and TRN, not cut off
      expect(narrow).toContain('Ctrl-C to quit');

      tmux('send-keys', '-t', 'watch', 'C-c');
      const after = await until(screen, (s) => s.includes('EXIT='), 'the command to end');
      expect(after).toContain('EXIT=0');
      expect(after).not.toContain('PROGRESS'); // the shell's screen is back, not the table
      expect(flags()).toBe('0 1'); // normal screen, cursor shown
    } finally {
      tmux('kill-server');
    }
  });

  it('in a terminal, an empty queue: names the queue and the backend it looked at', async () => {
    const queueName = uniqueQueueName('cli-empty');
    const tmux = tmuxOn(`bullmq-iteration-test-${randomBytes(4).toString('hex')}`);
    const command =
      `env NO_COLOR=1 BULLMQ_ITERATION_REDIS_URL='${redisUrl()}' ${CLI_SHELL} status -q ${queueName}; ` +
      'echo EXIT=$?; sleep 600';
    tmux('new-session', '-d', '-s', 'empty', '-x', '200', '-y', '30', command);
    try {
      const screen = () => tmux('capture-pane', '-p', '-J', '-t', 'empty');
      const shown = await until(screen, (s) => s.includes('EXIT='), 'the command to end');
      expect(shown).toContain('EXIT=0');
      const port = new URL(redisUrl()).port;
      expect(shown).toMatch(
        new RegExp(
          `No runs in queue "${queueName}" on redis://[^\\s]*:${port}\\b.*Check the queue name`,
        ),
      );
    } finally {
      tmux('kill-server');
    }
  });

  it('through a pipe: plain lines when runs change, JSON lines with --json; SIGINT ends with 0', async () => {
    const queueName = uniqueQueueName('cli-watch-pipe');
    const id = await busyQueue(queueName);
    const plain = startCli(['status', '-q', queueName, '--watch', '--interval', '200'], {
      env: env(),
    });
    const json = startCli(['status', id, '-q', queueName, '-w', '--interval', '200', '--json'], {
      env: env(),
    });
    const line = new RegExp(
      `^time=\\S+ id=${id} job=count-to status=running processed=(\\d+) `,
      'gm',
    );
    await until(
      () => [...plain.stdout().matchAll(line)].length,
      (n) => n >= 3,
      'three plain lines',
    );
    await until(
      () => json.stdout().split('\n').length,
      (n) => n >= 4,
      'three JSON lines',
    );
    plain.child.kill('SIGINT');
    json.child.kill('SIGINT');
    const [plainExit, jsonExit] = await Promise.all([plain.exited, json.exited]);
    expect(plainExit.code).toBe(0);
    expect(jsonExit.code).toBe(0);
    const counts = [...plainExit.stdout.matchAll(line)].map((m) => Number(m[1]));
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(new Set(counts).size).toBe(counts.length); // only lines that changed
    for (const text of jsonExit.stdout.trim().split('\n')) {
      expect(JSON.parse(text)).toMatchObject({ jobId: id, jobName: 'count-to' });
    }
  });
});
