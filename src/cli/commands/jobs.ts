/** `bullmq-iteration jobs -m <module>`: the iteration jobs a module defines, with their options. */
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { EXIT_CODES_HELP, ExitCode, usageError } from '../exit-codes.js';
import { line } from '../io.js';
import { loadJobModule } from '../job-module.js';

const OPTIONS = {
  module: { type: 'string', short: 'm' },
  json: { type: 'boolean' },
} as const;

/** The options of a definition worth showing, in this order. */
const SHOWN = ['maxRuntimeMs', 'checkpointMode', 'defaultJobOptions'] as const;

export const jobsCommand: Command = {
  name: 'jobs',
  summary: 'list the iteration jobs a module defines, with their options',
  help: `Usage: bullmq-iteration jobs --module <path> [--json]

Loads the module as \`worker\` would and lists its iteration jobs: name, whether it has
parseParams and which lifecycle callbacks, its throttle conditions, maxRuntimeMs,
checkpointMode and defaultJobOptions, then its version and the migrations it has from older
versions (\`migrate 1→2 2→3\`; a run stored by a version with no way up fails). Connects to
nothing.

Options:
  -m, --module <path>       the job module (required)
  --json                    one JSON array

Examples:
  bullmq-iteration jobs -m ./jobs.ts
  bullmq-iteration jobs -m ./dist/jobs.js --json | jq '.[].name'

${EXIT_CODES_HELP}`,

  async run(argv, io) {
    const { values } = parseCommandArgs('jobs', argv, OPTIONS, { names: [] });
    if (values.module === undefined) throw usageError('jobs: --module <path> is required.');
    const { jobs } = await loadJobModule(values.module, io.cwd);
    const { jobThrottle } = await import('../../define-job.js');
    const described = jobs.map((job) => {
      const d = job.definition as unknown as Record<string, unknown>;
      const options = Object.fromEntries(
        SHOWN.filter((key) => d[key] !== undefined).map((key) => [key, d[key]]),
      );
      return {
        name: job.name,
        parseParams: typeof d.parseParams === 'function',
        callbacks: ['onStart', 'onResume', 'onShutdown', 'onComplete'].filter(
          (name) => typeof d[name] === 'function',
        ),
        throttle: jobThrottle(job.definition).map((c) => c.name),
        ...options,
        version: (d.version as number | undefined) ?? 1,
        migrations: Object.keys((d.migrate as object | undefined) ?? {})
          .map(Number)
          .sort((a, b) => a - b)
          .map((from) => `${from}→${from + 1}`),
      };
    });
    if (values.json) {
      line(io.stdout, JSON.stringify(described, null, 2));
      return ExitCode.ok;
    }
    for (const job of described) {
      const { name, parseParams, callbacks, throttle, version, migrations, ...options } = job;
      const parts = [
        parseParams ? 'parseParams' : undefined,
        callbacks.length > 0 ? `callbacks ${callbacks.join(',')}` : undefined,
        throttle.length > 0 ? `throttle ${throttle.join(',')}` : undefined,
        ...Object.entries(options).map(([key, value]) => `${key} ${JSON.stringify(value)}`),
        `version ${version}`,
        migrations.length > 0 ? `migrate ${migrations.join(' ')}` : undefined,
      ].filter((part) => part !== undefined);
      line(io.stdout, `${name}${parts.length > 0 ? `  ${parts.join('  ')}` : ''}`);
    }
    return ExitCode.ok;
  },
};
