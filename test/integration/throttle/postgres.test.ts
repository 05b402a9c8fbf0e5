// The PostgreSQL health checks against real servers: PostgreSQL 15, reading its real statistics
// views, and PGlite, where those views exist but describe a single embedded session.
import pg from 'pg';
import { describe, expect, it } from 'vitest';

import { pgQuery } from '../../../src/enumerators/sql/query.js';
import {
  anyOf,
  postgresConnections,
  postgresReplicationLag,
  postgresWritable,
} from '../../../src/throttle/index.js';
import { track } from '../../support/lifecycle.js';
import { pgliteUrl, postgresUrl } from '../../support/servers.js';
import { recordingLogger, silentServer, tracked } from './helpers.js';

function pool(url: string, max = 2): pg.Pool {
  return track(new pg.Pool({ connectionString: url, max }));
}

describe('PostgreSQL health checks on PostgreSQL', () => {
  it('reads replication lag from the statistics views: a primary without replicas is healthy', async () => {
    const query = pgQuery(pool(postgresUrl()));
    const check = tracked(postgresReplicationLag({ query, maxLagMs: 1_000 }));
    await expect(check.status()).resolves.toMatchObject({
      healthy: true,
      detail: 'primary without streaming replicas',
    });
    // The same statistics, read directly, agree with what the check saw.
    const { rows } = await query(
      'SELECT pg_is_in_recovery() AS r, (SELECT count(*) FROM pg_stat_replication)::int AS n',
      [],
    );
    expect(rows[0]).toEqual({ r: false, n: 0 });
  });

  it('reads the share of max_connections in use and follows real sessions', async () => {
    const url = postgresUrl();
    const { rows } = await pgQuery(pool(url))(
      "SELECT current_setting('max_connections')::int AS max",
      [],
    );
    const max = rows[0]!['max'] as number;
    const check = tracked(postgresConnections({ query: pgQuery(pool(url)) }));
    const calm = await check.status();
    expect(calm.healthy).toBe(true);
    expect(calm.detail).toMatch(new RegExp(`^\\d+ of ${max} connections in use`));

    // Hold a few more sessions open, then ask a check whose limit they exceed.
    const held = pool(url, 4);
    const clients = await Promise.all([1, 2, 3, 4].map(() => held.connect()));
    try {
      const strict = tracked(postgresConnections({ query: pgQuery(pool(url)), maxShare: 4 / max }));
      const busy = await strict.status();
      expect(busy.healthy).toBe(false);
      const used = Number(/^(\d+) of/.exec(busy.detail)?.[1]);
      expect(used).toBeGreaterThanOrEqual(5);
    } finally {
      for (const client of clients) client.release();
    }
  });

  it('sees whether the server accepts writes, read-only sessions included', async () => {
    const url = postgresUrl();
    const writable = tracked(postgresWritable({ query: pgQuery(pool(url)) }));
    await expect(writable.status()).resolves.toMatchObject({
      healthy: true,
      detail: 'accepts writes',
    });

    const readOnly = track(new pg.Client({ connectionString: url }));
    await readOnly.connect();
    await readOnly.query('SET default_transaction_read_only = on');
    const check = tracked(
      postgresWritable({ query: pgQuery(readOnly), name: 'read-only-session' }),
    );
    await expect(check.status()).resolves.toMatchObject({
      healthy: false,
      detail: 'transactions are read-only: writes are refused',
    });
  });

  it('counts a server that never answers as unhealthy once the probe times out, and logs it', async () => {
    const { port, hangUp } = await silentServer();
    const logger = recordingLogger();
    const hung = new pg.Pool({
      connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`,
      max: 1,
    });
    hung.on('error', () => {});
    // The pool waits for its stuck connection: hang up first, then it can end.
    track(hung, { close: () => (hangUp(), hung.end()) });
    const check = tracked(postgresReplicationLag({ query: pgQuery(hung), timeoutMs: 300, logger }));
    const startedAt = Date.now();
    await expect(check.status()).resolves.toMatchObject({
      healthy: false,
      detail: 'probe timed out after 300 ms',
    });
    expect(Date.now() - startedAt).toBeLessThan(2_000);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ healthCheck: 'postgres-replication-lag' }),
      'health check probe failed: counting as unhealthy',
    );
  });

  it('combines the three checks on one pool', async () => {
    const query = pgQuery(pool(postgresUrl()));
    const database = tracked(
      anyOf(
        [
          postgresReplicationLag({ query }),
          postgresConnections({ query }),
          postgresWritable({ query }),
        ],
        {
          name: 'orders-db',
        },
      ),
    );
    await expect(database.status()).resolves.toMatchObject({
      healthy: true,
      detail: 'all healthy',
    });
  });
});

describe('PostgreSQL health checks on PGlite', () => {
  it('degrade to sensible readings: no replicas, no client sessions counted, writable', async () => {
    const logger = recordingLogger();
    const query = pgQuery(pool(pgliteUrl(), 1));
    const lag = tracked(postgresReplicationLag({ query, logger }));
    const connections = tracked(postgresConnections({ query, logger }));
    const writable = tracked(postgresWritable({ query, logger }));
    // One after the other: PGlite serves every client through a single session.
    expect(await lag.status()).toMatchObject({
      healthy: true,
      detail: 'primary without streaming replicas',
    });
    expect(await connections.status()).toMatchObject({ healthy: true });
    expect((await connections.status()).detail).toMatch(/^0 of \d+ connections in use/);
    expect(await writable.status()).toMatchObject({ healthy: true, detail: 'accepts writes' });
    expect(logger.warn).not.toHaveBeenCalled();
  });
});
