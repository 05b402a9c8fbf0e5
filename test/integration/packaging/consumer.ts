// Consumer projects for the packed package: `npm pack` (which builds through `prepack`), then a
// fresh project per case in a temp directory, installed from the npm cache when it has the
// packages (`--prefer-offline`), as an app would install the published tarball.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const ROOT = join(import.meta.dirname, '..', '..', '..');
export const FIXTURES = join(ROOT, 'test', 'fixtures', 'consumer');

/** The versions this repository installs, so consumer installs hit the npm cache. */
export function installedVersion(name: string): string {
  const pkg = JSON.parse(
    readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8'),
  ) as { version: string };
  return pkg.version;
}

const created: string[] = [];

/** A fresh temporary directory, removed by `removeTemporaryDirs`. */
function temporaryDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** Removes the tarball's directory and the consumer projects (for afterAll). */
export function removeTemporaryDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Packs the package into a fresh directory; returns the tarball's path. */
export async function packTarball(): Promise<string> {
  const dir = temporaryDir('bullmq-iteration-pack-');
  const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', dir], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
  const name = stdout.trim().split('\n').pop()!;
  return join(dir, name);
}

/** The paths a tarball holds, relative to its package root (`dist/index.js`). */
export async function tarballFiles(tarball: string): Promise<string[]> {
  const { stdout } = await run('tar', ['-tzf', tarball], { maxBuffer: 16 * 1024 * 1024 });
  return stdout
    .split('\n')
    .filter((line) => line !== '' && !line.endsWith('/'))
    .map((line) => line.replace(/^package\//, ''));
}

export interface Consumer {
  readonly dir: string;
  /** Seconds `npm install` took. */
  readonly installSeconds: number;
}

/** A fresh project of `type` with `packages` installed and `files` copied from the fixtures. */
export async function createConsumer(
  type: 'commonjs' | 'module',
  packages: readonly string[],
  files: readonly string[],
): Promise<Consumer> {
  const dir = temporaryDir(`bullmq-iteration-consumer-${type}-`);
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: `consumer-${type}`, private: true, type }, null, 2),
  );
  for (const file of files) copyFileSync(join(FIXTURES, file), join(dir, file));
  const startedAt = Date.now();
  await run(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...packages],
    { cwd: dir, maxBuffer: 16 * 1024 * 1024, env: withoutBackendEnv() },
  );
  return { dir, installSeconds: (Date.now() - startedAt) / 1000 };
}

/** Runs `node args` in `dir`; resolves with stdout, rejects with stderr in the message. */
export async function node(
  dir: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<string> {
  const { stdout } = await run(process.execPath, [...args], {
    cwd: dir,
    env: { ...withoutBackendEnv(), LOG_LEVEL: 'warn', ...env },
    timeout: 90_000,
  });
  return stdout;
}

function withoutBackendEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (key === 'REDIS_URL' || key === 'DATABASE_URL' || key.startsWith('BULLMQ_ITERATION_')) {
      delete env[key];
    }
  }
  // npm passes its own config to scripts through npm_config_*; a nested install must not inherit
  // the outer run's (a workspace prefix, --prefix) and install into the wrong place.
  for (const key of Object.keys(env)) if (key.startsWith('npm_')) delete env[key];
  return env;
}
