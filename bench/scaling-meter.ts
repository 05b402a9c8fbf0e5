// What a scenario of the scaling benchmark costs a store, as counts read before and after it (the
// machine is shared, so timings swing; counts do not). Every figure is a flat record of counters,
// so a window is one subtraction:
// - Redis: `INFO stats commandstats`: `ops` is every command executed, those inside Lua scripts
//   included (the unit of a Redis core's budget; Redis 7 counts no round trips apart), `in`/`out`
//   the bytes on the wire, `cmd:<name>` per command.
// - PostgreSQL: `ops` is statements executed (pg_stat_statements, enabled by the benchmark on its
//   own server), `stmt:<text>` per statement, `xids` write transactions (the next xid, which
//   reading does not consume), `wal` WAL bytes inserted, `in`/`out` bytes through a counting proxy
//   in front of the server; pg_stat_database's `xact_commit` and `tup_*`, which backends flush up
//   to seconds late, are read too and meant for windows that end with the clients closed.
// The meter's own reads are measured once and subtracted from every window.
import { createServer, type Socket } from 'node:net';
import { connect } from 'node:net';

import { Redis } from 'ioredis';
import pg from 'pg';

import { POSTGRES_STATE_TABLE } from '../src/backends/postgres.js';
import { redisOptionsFromUrl } from '../src/index.js';

export type Counts = Record<string, number>;

export function minus(a: Counts, b: Counts): Counts {
  const out: Counts = {};
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const d = (a[key] ?? 0) - (b[key] ?? 0);
    if (d !== 0) out[key] = d;
  }
  return out;
}

export interface Meter {
  readonly kind: 'redis' | 'postgres';
  /** Counters now, less nothing: use {@link window} for a window's cost. */
  read(): Promise<Counts>;
  close(): Promise<void>;
}

/** Counters of one window, less the meter's own reads (calibrated once per meter). */
export class Window {
  readonly #meter: Meter;
  #self: Counts | undefined;

  constructor(meter: Meter) {
    this.#meter = meter;
  }

  async calibrate(): Promise<void> {
    const a = await this.#meter.read();
    await this.#meter.read();
    const c = await this.#meter.read();
    const two = minus(c, a);
    this.#self = Object.fromEntries(Object.entries(two).map(([k, v]) => [k, v / 2]));
  }

  start(): Promise<Counts> {
    return this.#meter.read();
  }

  async end(before: Counts): Promise<Counts> {
    const after = await this.#meter.read();
    const raw = minus(after, before);
    // Counters that only the meter moves (its INFO, its pg_stat reads) must not go negative.
    const out: Counts = {};
    for (const [k, v] of Object.entries(minus(raw, this.#self ?? {}))) if (v > 0) out[k] = v;
    return out;
  }
}

export function redisMeter(url: string): Meter {
  const client = new Redis(redisOptionsFromUrl(url));
  return {
    kind: 'redis',
    async read() {
      const text = (await client.call('INFO', 'stats', 'commandstats')) as string;
      const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(text)?.[1]);
      const counts: Counts = {
        in: field('total_net_input_bytes'),
        out: field('total_net_output_bytes'),
        ops: 0,
      };
      for (const [, name, calls] of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
        counts[`cmd:${name}`] = Number(calls);
        counts.ops! += Number(calls);
      }
      return counts;
    },
    close: async () => void client.disconnect(),
  };
}

/** Bytes both ways through a TCP proxy: what PostgreSQL's clients and server exchanged. */
export interface ByteProxy {
  readonly url: string;
  bytes(): { readonly in: number; readonly out: number };
  stop(): Promise<void>;
}

export async function startByteProxy(targetUrl: string): Promise<ByteProxy> {
  const target = new URL(targetUrl);
  let toServer = 0;
  let toClients = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      // Either side going away ends the other: the client sees what it would see without us.
      s.on('error', () => {});
    }
    client.on('data', (chunk: Buffer) => (toServer += chunk.length));
    upstream.on('data', (chunk: Buffer) => (toClients += chunk.length));
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const url = new URL(targetUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.toString(),
    bytes: () => ({ in: toServer, out: toClients }),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Loads pg_stat_statements into the benchmark's own PostgreSQL (a setting and a restart; the test
 * setup's defaults stay as they are). False when the server cannot be restarted from here.
 */
export async function enableStatements(url: string, restart?: () => Promise<void>) {
  if (restart === undefined) return false;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'`);
  } finally {
    await client.end();
  }
  await restart();
  const again = new pg.Client({ connectionString: url });
  await again.connect();
  try {
    await again.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    return true;
  } catch {
    return false;
  } finally {
    await again.end();
  }
}

export function postgresMeter(url: string, proxy: ByteProxy, statements: boolean): Meter {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  const connected = client.connect();
  return {
    kind: 'postgres',
    async read() {
      await connected;
      const { rows } = await client.query<Record<string, string>>(
        `SELECT d.xact_commit, d.tup_fetched, d.tup_inserted, d.tup_updated, d.tup_deleted,
                pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0') AS wal,
                pg_snapshot_xmax(pg_current_snapshot())::text AS xids,
                t.n_tup_upd AS state_upd, t.n_tup_hot_upd AS state_hot
           FROM pg_stat_database d LEFT JOIN pg_stat_user_tables t ON t.relname = $1
          WHERE d.datname = current_database()`,
        [POSTGRES_STATE_TABLE],
      );
      const counts: Counts = Object.fromEntries(
        Object.entries(rows[0]!).map(([k, v]) => [k, Number(v ?? 0)]),
      );
      const bytes = proxy.bytes();
      counts.in = bytes.in;
      counts.out = bytes.out;
      counts.ops = 0;
      if (statements) {
        const found = await client.query<{ query: string; calls: string }>(
          `SELECT query, calls FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat%'`,
        );
        for (const row of found.rows) {
          const key = `stmt:${label(row.query)}`;
          counts[key] = (counts[key] ?? 0) + Number(row.calls);
          counts.ops += Number(row.calls);
        }
      }
      return counts;
    },
    close: () => client.end(),
  };
}

/** A statement's text, short enough for a table: whitespace folded, the schema left out. */
export function label(query: string): string {
  return query
    .replace(/\s+/g, ' ')
    .replace(/"?bullmq"?\./g, '')
    .trim()
    .slice(0, 90);
}
