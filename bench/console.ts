// The console with RUNS runs in one queue: a queue filled through the library (most runs
// completed by a worker, one in ten failed, the rest waiting, every run tagged with one of ten
// shards), then a dashboard handler over it on a loopback port, and the time of each kind of
// request a console makes, as a browser would send them: the first page and the last page of the
// runs (JSON), a page filtered by status, by tags, and the runs page's HTML. Median and slowest
// of REQUESTS timed requests after a warm-up.
// `npm run bench` runs it; `npm run bench -- --only console` rewrites only its section.
import { Queue } from 'bullmq';
import { pino } from 'pino';

import { listenDashboard } from '../src/dashboard/server.js';
import {
  array,
  createDashboardHandler,
  defineIterationJob,
  IterationWorker,
} from '../src/index.js';
import type { BackendTarget } from './runtime.js';

const REQUESTS = 15;
const SHARDS = 10;
const logger = pino({ level: 'silent' });

export interface ConsoleResult {
  readonly backend: string;
  readonly runs: number;
  readonly request: string;
  readonly medianMs: number;
  readonly slowestMs: number;
}

const job = defineIterationJob({
  name: 'bench-console',
  buildEnumerator: ({ params, cursor }: { params: { n: number }; cursor: number | null }) =>
    array([params.n], { cursor }),
  eachIteration(n: number) {
    if (n % 10 === 0) throw new Error(`item ${n} failed: the row is not valid`);
  },
});

export async function benchmarkConsole(
  target: BackendTarget,
  runs: number,
  progress: (line: string) => void,
): Promise<ConsoleResult[]> {
  const name = `bench-console-${Date.now().toString(36)}`;
  const options = { connection: target.connection } as never;
  const queue = new Queue(name, options, target.backendFactory as never);
  const worker = new IterationWorker(
    name,
    [job],
    {
      connection: target.connection,
      concurrency: 50,
      logger,
      handleSignals: false,
      ...target.workerOptions,
    } as never,
    target.backendFactory as never,
  );
  const processed = Math.round(runs * 0.9);
  try {
    await fill(queue, 0, processed, (done) => progress(`console on ${target.name}: ${done} runs`));
    progress(`console on ${target.name}: waiting for ${processed} runs to finish`);
    await drained(queue);
    await worker.close();
    await fill(queue, processed, runs, (done) =>
      progress(`console on ${target.name}: ${done} runs`),
    );
    const handler = createDashboardHandler({ queue, jobs: [job], readOnly: true });
    const server = await listenDashboard(handler, { port: 0 });
    try {
      const pages = Math.ceil(runs / 50);
      const requests: [string, string][] = [
        ['first page of runs (JSON)', '/api/runs'],
        ['last page of runs (JSON)', `/api/runs?page=${pages}`],
        ['failed runs, first page (JSON)', '/api/runs?status=failed'],
        ['runs of one tag, first page (JSON)', '/api/runs?tags=shard%3Ddb-3'],
        ['runs page (HTML, first page)', '/'],
      ];
      const results: ConsoleResult[] = [];
      for (const [label, path] of requests) {
        progress(`console on ${target.name}: ${label}`);
        await get(`${server.url}${path}`); // warm-up
        const times: number[] = [];
        for (let i = 0; i < REQUESTS; i++) {
          const started = performance.now();
          await get(`${server.url}${path}`);
          times.push(performance.now() - started);
        }
        times.sort((a, b) => a - b);
        results.push({
          backend: target.name,
          runs,
          request: label,
          medianMs: times[Math.floor(times.length / 2)]!,
          slowestMs: times.at(-1)!,
        });
      }
      return results;
    } finally {
      await server.close();
    }
  } finally {
    await worker.close();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}

/** Enqueues runs `from`..`to` through the library (so each has its tags), 200 at a time. */
async function fill(
  queue: Queue,
  from: number,
  to: number,
  report: (done: number) => void,
): Promise<void> {
  for (let start = from; start < to; start += 200) {
    const batch = [];
    for (let n = start; n < Math.min(to, start + 200); n++) {
      batch.push(job.enqueue(queue, { n }, { tags: { shard: `db-${n % SHARDS}` } }));
    }
    await Promise.all(batch);
    if ((start - from) % 2_000 === 0) report(start);
  }
}

async function drained(queue: Queue): Promise<void> {
  for (;;) {
    const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    if (Object.values(counts).every((n) => n === 0)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function get(url: string): Promise<void> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  await response.arrayBuffer();
}

export const CONSOLE_HEADING = '## Console: a page of runs';

export function renderConsole(results: readonly ConsoleResult[]): string[] {
  const runs = results[0]?.runs ?? 0;
  return [
    CONSOLE_HEADING,
    '',
    `One queue of ${runs.toLocaleString('en-US')} runs (nine in ten run to an end by a worker, one in ten of those failed, the rest waiting; each run tagged with one of ${SHARDS} shards), and a dashboard handler over it on loopback. Each figure is the time of a whole HTTP request as a browser sends it, from the request to the last byte: the run index of the queue read and filtered on the server, then the 50 runs of the page read in full (see the operating guide, "Pages of runs"). Median and slowest of ${REQUESTS} requests after a warm-up.`,
    '',
    '| backend | request | median | slowest |',
    '|---|---|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.backend} | ${r.request} | ${Math.round(r.medianMs)} ms | ${Math.round(r.slowestMs)} ms |`,
    ),
    '',
  ];
}
