// The flagship scenario in the suite (the long form, with a real PostgreSQL restart and 200,000 to
// 2,000,000 rows, is `npm run chaos -- --scenario flagship`): a keyset-partitioned, rebalancing,
// transactional backfill with broken rows, on three worker processes, through SIGKILLs, the data
// database's sessions terminated and a rolling deploy; then the broken rows fixed and replayed.
import { afterEach, describe, expect, it } from 'vitest';

import { backendByName } from '../../support/backends.js';
import { runFlagship, terminateSessions } from '../../support/flagship.js';
import { uniqueQueueName } from '../../support/names.js';
import { killAll } from '../../support/processes.js';
import { postgresUrl, redisUrl } from '../../support/servers.js';

afterEach(() => killAll());

describe('the flagship backfill', () => {
  it.each(['redis', 'postgres'] as const)(
    'on the %s queue: one effect per good row, each broken row recorded once, replayed once',
    async (backend) => {
      const b = backendByName(backend);
      const queue = b.queue(uniqueQueueName('flagship'));
      const result = await runFlagship({
        backend,
        queueUrl: backend === 'redis' ? redisUrl() : postgresUrl(),
        queue: queue as never,
        dataUrl: postgresUrl(),
        rows: 20_000,
        brokenRows: 5,
        kills: 2,
        outage: terminateSessions,
        timeoutMs: 120_000,
        log: (line) => {
          if (process.env.FLAGSHIP_LOG) console.log(line);
        },
      });
      expect(result).toMatchObject({
        kills: 2,
        outages: 1,
        deployed: 3,
        duplicates: 0,
        missing: 0,
        brokenWithEffects: 0,
        replayed: 5,
        leftAfterReplay: 0,
        wrongAfterReplay: 0,
      });
      expect([...result.recorded].sort()).toEqual([...result.broken].sort());
    },
    240_000,
  );
});
