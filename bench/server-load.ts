// What the queue's server spent on a benchmark round: CPU time and calls (Redis commands, or
// PostgreSQL transactions and writes of the checkpoint table), read before and after. The parallel
// benchmark divides them by the items, to say where a backend's scaling goes.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

import { Redis } from 'ioredis';
import pg from 'pg';

import { POSTGRES_STATE_TABLE } from '../src/backends/postgres.js';
import { redisOptionsFromUrl } from '../src/index.js';

export interface ServerLoad {
  /** CPU the server used, in ms; undefined when it is not a local process this can read. */
  readonly cpuMs: number | undefined;
  /** Redis: commands processed. PostgreSQL: transactions committed. */
  readonly calls: number;
  /** PostgreSQL: rows written to the checkpoint table (one per checkpoint). */
  readonly checkpoints: number | undefined;
}

export type ServerKind = 'redis' | 'postgres';

export async function readServerLoad(kind: ServerKind, url: string): Promise<ServerLoad> {
  return kind === 'redis' ? redisLoad(url) : postgresLoad(url);
}

export function loadBetween(before: ServerLoad, after: ServerLoad): ServerLoad {
  return {
    cpuMs:
      before.cpuMs === undefined || after.cpuMs === undefined
        ? undefined
        : after.cpuMs - before.cpuMs,
    calls: after.calls - before.calls,
    checkpoints:
      before.checkpoints === undefined || after.checkpoints === undefined
        ? undefined
        : after.checkpoints - before.checkpoints,
  };
}

async function redisLoad(url: string): Promise<ServerLoad> {
  const client = new Redis(redisOptionsFromUrl(url));
  try {
    const info = await client.info();
    const field = (name: string) => Number(new RegExp(`${name}:(\\S+)`).exec(info)?.[1] ?? NaN);
    return {
      cpuMs: (field('used_cpu_user') + field('used_cpu_sys')) * 1000,
      calls: field('total_commands_processed'),
      checkpoints: undefined,
    };
  } finally {
    client.disconnect();
  }
}

async function postgresLoad(url: string): Promise<ServerLoad> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SELECT pg_stat_clear_snapshot()');
    const { rows } = await client.query<{ pid: number; xacts: string; writes: string | null }>(
      `SELECT pg_backend_pid() AS pid,
              (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()) AS xacts,
              (SELECT sum(n_tup_ins + n_tup_upd) FROM pg_stat_user_tables WHERE relname = $1) AS writes`,
      [POSTGRES_STATE_TABLE],
    );
    const row = rows[0]!;
    return {
      cpuMs: postmasterCpuMs(row.pid),
      calls: Number(row.xacts),
      checkpoints: Number(row.writes ?? 0),
    };
  } finally {
    await client.end();
  }
}

let ticksPerSecond: number | undefined;

/**
 * The CPU of a local PostgreSQL: the postmaster's own, its exited backends' (which the kernel adds
 * to the postmaster once it reaps them) and its live processes'. Undefined for a remote server.
 */
function postmasterCpuMs(backendPid: number): number | undefined {
  try {
    ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
    const postmaster = stat(backendPid).ppid;
    const own = stat(postmaster);
    let ticks = own.utime + own.stime + own.cutime + own.cstime;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const s = stat(Number(entry));
        if (s.ppid === postmaster) ticks += s.utime + s.stime;
      } catch {
        // The process ended while the list was read.
      }
    }
    return (ticks * 1000) / ticksPerSecond;
  } catch {
    return undefined;
  }
}

function stat(pid: number) {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces.
  const f = text
    .slice(text.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  return { ppid: f[1]!, utime: f[11]!, stime: f[12]!, cutime: f[13]!, cstime: f[14]! };
}
