// `npm run chaos`: real servers, worker child processes, incidents; prints one result line per
// scenario and backend, then a markdown table; exits 1 when any scenario fails.
//   npm run chaos [-- --short] [--scenario NAME]... [--backend redis|postgres|pglite]...
import { parseArgs } from 'node:util';

import { postgresTerminate, redisClientKill } from './connections.js';
import { badJobs, rollingRestarts } from './deploys.js';
import { flagship } from './flagship.js';
import { killStorm, workerFreeze } from './kills.js';
import { memory } from './memory.js';
import { redisFreezeLongLock, redisFreezeShortLock } from './redis-freeze.js';
import { resultLine, summaryTable } from './report.js';
import { postgresRestart, redisRestart } from './restarts.js';
import type { ChaosContext, Scenario, ScenarioResult } from './scenario.js';
import { type ChaosBackend, ChaosServers } from './servers.js';
import { killEveryWorker } from './workers.js';

const scenarios: readonly Scenario[] = [
  killStorm,
  redisRestart,
  postgresRestart,
  postgresTerminate,
  redisClientKill,
  workerFreeze,
  redisFreezeLongLock,
  redisFreezeShortLock,
  rollingRestarts,
  badJobs,
  memory,
  flagship,
];
/** A scenario that hangs past this is reported as failed and the run moves on. */
const SCENARIO_TIMEOUT_MS = 6 * 60_000;

const { values } = parseArgs({
  options: {
    short: { type: 'boolean', default: false },
    scenario: { type: 'string', multiple: true },
    backend: { type: 'string', multiple: true },
  },
});
const selected = values.scenario ?? scenarios.map((s) => s.name);
const unknown = selected.filter((name) => !scenarios.some((s) => s.name === name));
if (unknown.length > 0) {
  console.error(
    `Unknown scenario ${unknown.join(', ')}; expected one of ${scenarios.map((s) => s.name).join(', ')}`,
  );
  process.exit(2);
}
const backends = (values.backend ?? ['redis', 'postgres', 'pglite']) as ChaosBackend[];

// The suite restarts, freezes and disconnects its servers: never point it at shared ones.
delete process.env['REDIS_URL'];
delete process.env['DATABASE_URL'];

const servers = new ChaosServers();
const ctx: ChaosContext = {
  short: values.short,
  servers,
  log: (line) => process.stderr.write(`${line}\n`),
};
let interrupted = false;
process.once('exit', killEveryWorker);
process.once('SIGINT', () => void abort('SIGINT'));
process.once('SIGTERM', () => void abort('SIGTERM'));

const startedAt = Date.now();
const results: ScenarioResult[] = [];
try {
  for (const scenario of scenarios.filter((s) => selected.includes(s.name))) {
    for (const backend of scenario.backends.filter((b) => backends.includes(b))) {
      if (interrupted) break;
      ctx.log(`${scenario.name} [${backend}]${ctx.short ? ' (short)' : ''}`);
      const result = await runOne(scenario, backend);
      results.push(result);
      console.log(resultLine(result));
    }
  }
} finally {
  killEveryWorker();
  await servers.stop();
}
console.log(`\n${summaryTable(results, Date.now() - startedAt)}`);
process.exit(results.every((r) => r.pass) && results.length > 0 ? 0 : 1);

async function runOne(scenario: Scenario, backend: ChaosBackend): Promise<ScenarioResult> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeoutMs = scenario.timeoutMs ?? SCENARIO_TIMEOUT_MS;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    });
    return await Promise.race([scenario.run(ctx, await servers.target(backend)), timeout]);
  } catch (error) {
    killEveryWorker();
    return {
      scenario: scenario.name,
      backend,
      items: 0,
      lost: 0,
      duplicates: 0,
      bound: 0,
      completed: 0,
      failed: 0,
      unfinished: 0,
      jobs: 0,
      crashes: 0,
      wallMs: Date.now() - started,
      pass: false,
      notes: [`harness error: ${error instanceof Error ? error.message : String(error)}`],
    };
  } finally {
    clearTimeout(timer);
  }
}

async function abort(signal: string): Promise<void> {
  interrupted = true;
  ctx.log(`${signal}: stopping workers and servers`);
  killEveryWorker();
  await servers.stop();
  process.exit(130);
}
