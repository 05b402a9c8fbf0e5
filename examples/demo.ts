// `npm run demo`: a resumable backfill over 50,000 rows of the embedded database, run by a worker
// process that gets a real SIGTERM part way through (a deploy); a second worker process resumes
// the job and the result is checked against the table. The embedded database is used even when
// REDIS_URL or DATABASE_URL is exported; BULLMQ_ITERATION_REDIS_URL / _DATABASE_URL choose a server.
// The demo lives in the CLI (`bullmq-iteration demo`), so the installed package can run it too.
import { chooseBackend } from '../src/backend-choice.js';
import { runDemo } from '../src/cli/demo/run-demo.js';
import { connect } from '../src/index.js';

const env = process.env;
const names = { redisUrl: 'redisUrl', databaseUrl: 'databaseUrl' };
try {
  process.exitCode = await runDemo({
    rows: Number(env.DEMO_ROWS ?? 50_000),
    out: process.stdout,
    kind: chooseBackend({ names }, env).kind,
    open: () => connect(),
    tableDatabaseUrl: env.DEMO_DATABASE_URL,
  });
} catch (error) {
  // One clean line: a stack trace is for bugs, not for a missing setting.
  console.error(`demo: ${(error as Error).message}`);
  process.exitCode = 1;
}
