// Starts a private Redis Cluster of three masters on loopback for one test run: three
// redis-server processes in cluster mode, joined by `redis-cli --cluster create`, ready once every
// node reports `cluster_state:ok`. A missing redis-server or redis-cli fails the run.
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  findExecutable,
  freePort,
  retryUntil,
  run,
  secondsSince,
  type StartedServer,
} from './process.js';
import { spawnRedis, stopChild } from './redis-server.js';

const MASTERS = 3;

const INSTALL_HINT =
  'Install them with `apt-get install -y redis-server` (redis-cli comes with it, from redis-tools).';

/** A started cluster: `url` is the comma-separated list of its nodes' `redis://` URLs. */
export interface StartedCluster extends StartedServer {
  readonly nodeUrls: readonly string[];
}

export async function startRedisCluster(): Promise<StartedCluster> {
  const startedAt = Date.now();
  const [server, cli] = await Promise.all([
    findExecutable('redis-server'),
    findExecutable('redis-cli'),
  ]);
  if (!server)
    throw new Error(`redis-server is not on PATH, needed for the Redis Cluster. ${INSTALL_HINT}`);
  if (!cli)
    throw new Error(
      `redis-cli is not on PATH, needed to create the Redis Cluster. ${INSTALL_HINT}`,
    );

  const root = await mkdtemp(join(tmpdir(), 'bullmq-iteration-redis-cluster-'));
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(children.map((child) => stopChild(child)));
    await rm(root, { recursive: true, force: true });
  };
  try {
    const nodes = await Promise.all(
      Array.from({ length: MASTERS }, (_, index) => spawnNode(server, join(root, `node-${index}`))),
    );
    children.push(...nodes.map((node) => node.child));
    const ports = nodes.map((node) => node.port);
    const addresses = ports.map((port) => `127.0.0.1:${port}`);
    await run(
      cli,
      ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'],
      { timeoutMs: 30_000 },
    );
    // `--cluster create` returns once the slots are assigned; every node must also see the others
    // and every slot covered before a client may rely on the topology it reads.
    await Promise.all(
      ports.map((port) =>
        retryUntil(
          `Redis Cluster node ${port} reporting cluster_state:ok`,
          () => clusterOk(cli, port),
          {
            timeoutMs: 15_000,
            intervalMs: 100,
          },
        ),
      ),
    );
    const nodeUrls = addresses.map((address) => `redis://${address}`);
    return {
      url: nodeUrls.join(','),
      nodeUrls,
      description:
        `redis cluster: ${MASTERS} masters (${server}, pids ${children.map((c) => c.pid).join(', ')}) ` +
        `on ${addresses.join(', ')} in ${secondsSince(startedAt)}`,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** One cluster-mode redis-server; its bus port is chosen too (`cluster-port`, Redis 7). */
async function spawnNode(
  binary: string,
  dir: string,
): Promise<{ child: ChildProcess; port: number }> {
  await mkdir(dir, { recursive: true });
  // The ports can be taken between choosing and binding them; fresh ones almost always work.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const busPort = await distinctFreePort(port);
    try {
      const child = await spawnRedis(binary, port, dir, [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, 'nodes.conf'),
        '--cluster-port',
        String(busPort),
        '--cluster-node-timeout',
        '5000',
      ]);
      return { child, port };
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

async function distinctFreePort(taken: number): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port !== taken) return port;
  }
}

async function clusterOk(cli: string, port: number): Promise<void> {
  const info = await run(cli, ['-h', '127.0.0.1', '-p', String(port), 'cluster', 'info'], {
    timeoutMs: 5_000,
  });
  const fields = new Map(
    info
      .split(/\r?\n/)
      .map((line) => line.split(':'))
      .filter((pair): pair is [string, string] => pair.length === 2)
      .map(([key, value]) => [key, value.trim()]),
  );
  const state = fields.get('cluster_state');
  const known = Number(fields.get('cluster_known_nodes'));
  const slots = Number(fields.get('cluster_slots_ok'));
  if (state !== 'ok' || known !== MASTERS || slots !== 16_384) {
    throw new Error(`cluster_state ${state}, ${known} nodes known, ${slots} slots ok`);
  }
}
