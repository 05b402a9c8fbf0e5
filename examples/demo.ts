// `npm run demo`: a resumable backfill over 50,000 rows of the embedded database (or of
// REDIS_URL/DATABASE_URL when set), with a simulated deploy half way through: the first worker is
// closed gracefully, a second one resumes the job, and the result is checked against the table.
// The demo lives in the CLI (`bullmq-iteration demo`), so the installed package can run it too.
import { runDemo } from '../src/cli/demo/run-demo.js';
import { connect } from '../src/index.js';

const env = process.env;
process.exitCode = await runDemo({
  rows: Number(env.DEMO_ROWS ?? 50_000),
  out: process.stdout,
  kind: env.REDIS_URL ? 'redis' : env.DATABASE_URL ? 'postgres' : 'embedded',
  open: () => connect(),
  tableDatabaseUrl: env.DEMO_DATABASE_URL,
});
