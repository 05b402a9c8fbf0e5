// Memory over a long run: one worker runs a 1,000,000-item job of synchronous steps and samples
// its own RSS (after a full collection) every tenth of the way; growth from the first sample to
// the last must stay within MAX_RSS_GROWTH.
import { judge, pick, REDO_GRACEFUL, type Scenario, withStage } from './scenario.js';

const MEMORY = {
  full: { items: 1_000_000 },
  short: { items: 200_000 },
};
const SAMPLES = 10;
/** RSS at the last sample over RSS at the first (after 10% of the items), minus one. */
export const MAX_RSS_GROWTH = 0.1;
const FINISH_TIMEOUT_MS = 300_000;

export const memory: Scenario = {
  name: 'memory',
  backends: ['redis', 'postgres', 'pglite'],
  async run(ctx, target) {
    const p = pick(ctx, MEMORY.full, MEMORY.short);
    const every = p.items / SAMPLES;
    return withStage(target, 'memory', { RSS_EVERY: every }, async (stage) => {
      const worker = await stage.pool.start();
      const ids = await stage.enqueue('count', 1, { total: p.items, stepMs: 0, asyncStep: true });
      const outcomes = await stage.outcomes(ids, FINISH_TIMEOUT_MS);
      const samples = [...worker.output().matchAll(/^rss (\d+) (\d+) (\d+)$/gm)].map((m) => ({
        items: Number(m[1]),
        rss: Number(m[2]),
        heap: Number(m[3]),
      }));
      const first = samples.find((s) => s.items === every);
      const last = samples.find((s) => s.items === p.items);
      const problems: string[] = [];
      const notes: string[] = [];
      if (first === undefined || last === undefined) {
        problems.push(`RSS samples missing (${samples.length} of ${SAMPLES})`);
      } else {
        const growth = last.rss / first.rss - 1;
        const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
        notes.push(
          `RSS ${mb(first.rss)} at ${every} items -> ${mb(last.rss)} at ${p.items}: ${(growth * 100).toFixed(1)}%`,
          `heap ${mb(first.heap)} -> ${mb(last.heap)}`,
        );
        if (growth > MAX_RSS_GROWTH) {
          problems.push(`RSS grew ${(growth * 100).toFixed(1)}% > ${MAX_RSS_GROWTH * 100}%`);
        }
      }
      return judge({
        scenario: 'memory',
        target,
        stage,
        outcomes,
        bound: REDO_GRACEFUL,
        problems,
        notes,
      });
    });
  },
};
