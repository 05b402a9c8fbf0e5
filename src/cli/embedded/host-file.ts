/**
 * `<data dir>/server.json`: who holds the embedded database directory, and where it serves it.
 *
 * PGlite keeps one database per directory and must never be opened by two processes at once. The
 * file is that directory's lock and its address book in one: a process creates it exclusively
 * before opening the database, records its server's URL in it when it hosts for others (a worker),
 * and removes it when done. A record whose process is gone is stale and is replaced.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const HOST_FILE = 'server.json';

export interface HostRecord {
  readonly pid: number;
  /** `worker`: a long-lived host others connect to. `command`: a short hold, waited out. */
  readonly role: 'worker' | 'command';
  /** The command holding it, for messages: `enqueue`, `status --watch`. */
  readonly command: string;
  /** The embedded server's `postgres://` URL once a worker serves it; null otherwise. */
  readonly url: string | null;
  readonly startedAt: string;
  /** Tells two holders with the same pid (reused after a crash) apart. */
  readonly token: string;
}

export type Claim =
  | { readonly kind: 'claimed' }
  | { readonly kind: 'held'; readonly holder: HostRecord }
  | { readonly kind: 'unreadable'; readonly text: string };

export function newRecord(role: HostRecord['role'], command: string): HostRecord {
  return {
    pid: process.pid,
    role,
    command,
    url: null,
    startedAt: new Date().toISOString(),
    token: randomBytes(8).toString('hex'),
  };
}

export function hostFile(dataDir: string): string {
  return join(dataDir, HOST_FILE);
}

/**
 * Takes the directory for `record`, or reports who holds it. Stale records (their process is gone)
 * are cleared on the way.
 */
export function tryClaim(dataDir: string, record: HostRecord): Claim {
  prepareDir(dataDir);
  const path = hostFile(dataDir);
  for (let attempt = 0; attempt < 5; attempt++) {
    if (createExclusive(path, record)) return { kind: 'claimed' };
    const holder = readRecord(path);
    if (holder === undefined) continue; // removed meanwhile: try again
    if (holder === 'unreadable') return { kind: 'unreadable', text: readText(path) ?? '' };
    if (holder.token === record.token) return { kind: 'claimed' };
    if (holder.pid !== process.pid && isAlive(holder.pid)) return { kind: 'held', holder };
    removeStale(path, holder, record.token);
  }
  const holder = readRecord(path);
  return typeof holder === 'object' ? { kind: 'held', holder } : { kind: 'claimed' };
}

/** Whether `record` still owns the directory (checked again before opening the database). */
export function stillHolds(dataDir: string, record: HostRecord): boolean {
  const current = readRecord(hostFile(dataDir));
  return typeof current === 'object' && current.token === record.token;
}

/** Replaces our record (to add the server's URL); atomic, so readers never see half a file. */
export function publish(dataDir: string, record: HostRecord): void {
  const path = hostFile(dataDir);
  const temporary = `${path}.${record.token}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(temporary, path);
}

/** Removes our record, if it is still ours. Synchronous: also used from the `exit` event. */
export function releaseClaim(dataDir: string, record: HostRecord): void {
  if (stillHolds(dataDir, record)) quietly(() => unlinkSync(hostFile(dataDir)));
}

/** The current record: undefined when absent, `'unreadable'` when not a record. */
export function readRecord(path: string): HostRecord | 'unreadable' | undefined {
  const text = readText(path);
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as Partial<HostRecord> | null;
    if (
      value !== null &&
      typeof value === 'object' &&
      Number.isSafeInteger(value.pid) &&
      (value.role === 'worker' || value.role === 'command') &&
      typeof value.token === 'string'
    ) {
      return {
        pid: value.pid!,
        role: value.role,
        command: typeof value.command === 'string' ? value.command : value.role,
        url: typeof value.url === 'string' ? value.url : null,
        startedAt: typeof value.startedAt === 'string' ? value.startedAt : '?',
        token: value.token,
      };
    }
  } catch {
    // fall through
  }
  return 'unreadable';
}

/** Whether a process with this pid exists (EPERM: it does, under another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `worker (pid 4242, since 2024-05-01T10:00:00Z)`, for messages. */
export function describeHolder(holder: HostRecord): string {
  return `\`bullmq-iteration ${holder.command}\` (pid ${holder.pid}, since ${holder.startedAt})`;
}

function prepareDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true });
  // The directory holds a local database and a lock: nothing to commit by accident.
  quietly(() => writeFileSync(join(dataDir, '.gitignore'), '*\n', { flag: 'wx' }));
}

/**
 * Creates `path` with the record only if it does not exist. Written aside, then hard-linked into
 * place: `link` fails when the target exists, and readers never see a partial file.
 */
function createExclusive(path: string, record: HostRecord): boolean {
  const temporary = `${path}.${record.token}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(record, null, 2)}\n`);
  try {
    linkSync(temporary, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    quietly(() => unlinkSync(temporary));
  }
}

/**
 * Clears a stale record. Two processes may judge the same record stale at once; each moves the
 * file aside first (atomic), and whoever finds it moved a live holder's fresh record instead puts
 * it back, so a fresh claim is never deleted.
 */
function removeStale(path: string, stale: HostRecord, token: string): void {
  const aside = `${path}.${token}.stale`;
  try {
    renameSync(path, aside);
  } catch {
    return; // someone else moved it already
  }
  const moved = readRecord(aside);
  if (typeof moved === 'object' && moved.token !== stale.token) {
    quietly(() => linkSync(aside, path));
  }
  quietly(() => unlinkSync(aside));
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function quietly(action: () => void): void {
  try {
    action();
  } catch {
    // best effort: the file may be gone already
  }
}
