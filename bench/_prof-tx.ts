import pg from 'pg';
import { pino } from 'pino';
import { Queue } from 'bullmq';
import { defineIterationJob, IterationWorker, pgTransactions, redisOptionsFromUrl } from '../src/index.js';
import { startPostgres } from '../test/setup/postgres-server.js';
import { startRedis } from '../test/setup/redis-server.js';

const N = Number(process.env.N ?? 10000);
const only = process.env.ONLY;
const [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
const pool = new pg.Pool({ connectionString: postgres.url, max: 4 });
await pool.query('CREATE TABLE IF NOT EXISTS e (item int NOT NULL)');
await pool.query('CREATE TABLE IF NOT EXISTS f (queue text, job_id text, epoch bigint, cursor jsonb, processed bigint, updated_at timestamptz, primary key(queue, job_id))');
await pool.query("INSERT INTO f VALUES ('q','j',1,'0',0,now()) ON CONFLICT DO NOTHING");
const logger = pino({ level: 'silent' });
import { readdirSync, readFileSync } from 'node:fs';
function procCpu(names: string[]) {
  let t = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = st.slice(st.indexOf('(') + 1, st.lastIndexOf(')'));
      if (!names.some((n) => comm.startsWith(n))) continue;
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      t += Number(f[11]) + Number(f[12]);
    } catch {}
  }
  return t * 10000; // ticks (100/s) -> us
}
async function measure(name: string, fn: () => Promise<number>) {
  const c0 = process.cpuUsage(); const p0 = procCpu(['postgres']); const r0 = procCpu(['redis-server']);
  const rate = await fn();
  const c1 = process.cpuUsage(c0); const p1 = procCpu(['postgres']); const r1 = procCpu(['redis-server']);
  console.log(name.padEnd(12), String(Math.round(rate)).padStart(6), '/s  node', ((c1.user + c1.system) / N).toFixed(0), 'us  pg', ((p1 - p0) / N).toFixed(0), 'us  redis', ((r1 - r0) / N).toFixed(0), 'us per item');
}

async function bare(fence: boolean) {
  const t = performance.now();
  for (let i = 0; i < N; i++) {
    const c = await pool.connect();
    await c.query('BEGIN');
    await c.query('INSERT INTO e (item) VALUES ($1)', [i]);
    if (fence) {
      (c as any).pipeline = true;
      const a = c.query({ name: 'fz', text: "UPDATE f SET cursor = $1::text::jsonb, processed = processed + 1, updated_at = now() WHERE queue = 'q' AND job_id = 'j' AND epoch = 1", values: [String(i)] });
      const b = c.query('COMMIT');
      await Promise.all([a, b]);
      (c as any).pipeline = false;
    } else await c.query('COMMIT');
    c.release();
  }
  return N / ((performance.now() - t) / 1000);
}

async function job() {
  let first = 0, last = 0;
  const adapter = pgTransactions(pool, { schema: 'bench_tx' });
  const def = defineIterationJob({
    name: 'p',
    transactional: adapter,
    async *buildEnumerator({ cursor }: any) {
      for (let i = cursor === null ? 0 : cursor + 1; i < N; i++) yield [i, i] as const;
    },
    async eachIteration(i: number, ctx: any) {
      if (i === 0) first = performance.now();
      await ctx.tx.query('INSERT INTO e (item) VALUES ($1)', [i]);
      if (i === N - 1) last = performance.now();
    },
  });
  await adapter.migrate();
  const qn = `p-${Date.now()}`;
  const conn = redisOptionsFromUrl(redis.url);
  const queue = new Queue(qn, { connection: conn } as never);
  const worker = new IterationWorker(qn, [def], { connection: conn, logger, handleSignals: false } as never);
  const done = new Promise<void>((res, rej) => { worker.once('iteration.completed', () => res()); worker.once('iteration.failed', (e: any) => rej(e.error)); });
  await def.enqueue(queue, {});
  await done;
  await worker.close(); await queue.obliterate({ force: true }); await queue.close();
  return N / ((last - first) / 1000);
}
for (let r = 0; r < Number(process.env.R ?? 3); r++) {
  if (!only || only === 'bare') await measure('bare', () => bare(false));
  if (!only || only === 'fence') await measure('bare+fence', () => bare(true));
  if (!only || only === 'job') await measure('job', () => job());
}
await pool.end();
await Promise.all([redis.stop(), postgres.stop()]);
