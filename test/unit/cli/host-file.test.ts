// server.json, the embedded data directory's lock and address book: exclusive claims, stale
// records replaced, a live holder reported, only one's own record released.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import {
  describeHolder,
  type HostRecord,
  isAlive,
  newRecord,
  publish,
  releaseClaim,
  stillHolds,
  tryClaim,
} from '../../../src/cli/embedded/host-file.js';

const dir = () => mkdtempSync(join(tmpdir(), 'bullmq-iteration-host-'));
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid!;
const other = (pid: number, fields: Partial<HostRecord> = {}): HostRecord => ({
  ...newRecord('worker', 'worker'),
  pid,
  ...fields,
});
const write = (d: string, record: HostRecord) =>
  writeFileSync(join(d, 'server.json'), JSON.stringify(record));

describe('the host record', () => {
  it('is claimed exclusively, then released by its owner only', () => {
    const d = dir();
    const mine = newRecord('command', 'enqueue');
    expect(tryClaim(d, mine)).toEqual({ kind: 'claimed' });
    expect(stillHolds(d, mine)).toBe(true);
    expect(JSON.parse(readFileSync(join(d, 'server.json'), 'utf8'))).toEqual(mine);
    expect(readFileSync(join(d, '.gitignore'), 'utf8')).toBe('*\n');
    // Claiming again with the same record is idempotent; no temporary files are left behind.
    expect(tryClaim(d, mine)).toEqual({ kind: 'claimed' });
    expect(readdirSync(d).sort()).toEqual(['.gitignore', 'server.json']);

    const stranger = other(process.ppid);
    releaseClaim(d, stranger);
    expect(existsSync(join(d, 'server.json'))).toBe(true);
    releaseClaim(d, mine);
    expect(existsSync(join(d, 'server.json'))).toBe(false);
  });

  it('reports a live holder and publishes its URL atomically', () => {
    const d = dir();
    const holder = other(process.ppid, { startedAt: '2024-05-01T10:00:00.000Z' });
    write(d, holder);
    publish(d, { ...holder, url: 'postgres://postgres@127.0.0.1:5999/postgres' });
    const claim = tryClaim(d, newRecord('command', 'status'));
    expect(claim).toEqual({
      kind: 'held',
      holder: { ...holder, url: 'postgres://postgres@127.0.0.1:5999/postgres' },
    });
    expect(describeHolder(holder)).toBe(
      `\`bullmq-iteration worker\` (pid ${process.ppid}, since 2024-05-01T10:00:00.000Z)`,
    );
  });

  it('replaces the record of a process that is gone', () => {
    const d = dir();
    const pid = deadPid();
    expect(isAlive(pid)).toBe(false);
    expect(isAlive(process.pid)).toBe(true);
    write(d, other(pid));
    const mine = newRecord('worker', 'worker');
    expect(tryClaim(d, mine)).toEqual({ kind: 'claimed' });
    expect(stillHolds(d, mine)).toBe(true);
    expect(readdirSync(d).sort()).toEqual(['.gitignore', 'server.json']);
  });

  it('reports a file that is not a record instead of guessing', () => {
    const d = dir();
    writeFileSync(join(d, 'server.json'), 'hello');
    expect(tryClaim(d, newRecord('command', 'status'))).toEqual({
      kind: 'unreadable',
      text: 'hello',
    });
  });
});
