/**
 * Pages and the fragments their script refreshes, put together from the data readers and the
 * renderers in pages/. A page and its fragment render the same live region, so a refresh shows
 * exactly what a reload would.
 */
import type { CsvUploadOption } from '../csv-upload-option.js';
import type { AnyIterationJob } from '../define-job.js';
import type { RequestContext } from './context.js';
import type { Html } from './html.js';
import { html, segment } from './html.js';
import { HttpError } from './http-error.js';
import { readJobHistory } from './job-history.js';
import type { JobHistoryRow } from './pages/job.js';
import { jobHead, jobHistory } from './pages/job.js';
import { jobsView } from './pages/jobs.js';
import type { PageFrame } from './pages/layout.js';
import { page } from './pages/layout.js';
import { runView } from './pages/run.js';
import { bulkBar, runFilters, runsTable } from './pages/runs.js';
import { paramsJsonSchema } from './params-form/json-schema.js';
import type { RunFilters } from './runs.js';
import { readRunDetail, readRunList } from './runs.js';

async function frame(
  ctx: RequestContext,
  base: string,
  nav: PageFrame['nav'],
  title: string,
  fragmentUrl: string | undefined,
): Promise<PageFrame> {
  const { options } = ctx;
  return {
    title,
    base,
    queueNames: await ctx.access.use(async (queues) => queues.names),
    backendLabel: options.backendLabel,
    nav,
    hasJobs: options.jobs.length > 0,
    readOnly: options.readOnly,
    tokenRequired: options.authorize === undefined,
    csrfToken: ctx.csrfToken,
    fragmentUrl,
    refreshMs: options.refreshMs,
  };
}

function listOptions(ctx: RequestContext) {
  return { limit: ctx.options.limit, names: ctx.names };
}

export async function runsFragment(
  ctx: RequestContext,
  base: string,
  filters: RunFilters,
): Promise<Html> {
  const list = await readRunList(ctx.access, ctx.history, filters, listOptions(ctx));
  return runsTable(base, list, filters, ctx.options.readOnly);
}

export async function runsPage(
  ctx: RequestContext,
  base: string,
  filters: RunFilters,
): Promise<Html> {
  const list = await readRunList(ctx.access, ctx.history, filters, listOptions(ctx));
  const title = list.queues.length === 1 ? `Runs of ${list.queues[0]!}` : 'Runs';
  return page(
    await frame(ctx, base, 'runs', title, `${base}/fragments/runs`),
    runsTable(base, list, filters, ctx.options.readOnly),
    html`${runFilters(base, list, filters)}${bulkBar(filters, ctx.options.readOnly)}`,
  );
}

export async function runFragment(
  ctx: RequestContext,
  jobId: string,
  queue: string | undefined,
): Promise<Html> {
  const detail = await readRunDetail(ctx.access, ctx.history, jobId, queue);
  const queueName = detail.run.queueName;
  return runView({
    detail,
    samples: ctx.history.samples(queueName, jobId),
    changes: ctx.history.changes(queueName, jobId),
    readOnly: ctx.options.readOnly,
  });
}

export async function runPage(
  ctx: RequestContext,
  base: string,
  jobId: string,
  queue: string | undefined,
): Promise<Html> {
  const live = await runFragment(ctx, jobId, queue);
  return page(
    await frame(ctx, base, 'run', `Run #${jobId}`, `${base}/fragments/runs/${segment(jobId)}`),
    live,
  );
}

export async function jobsPage(ctx: RequestContext, base: string): Promise<Html> {
  const list = await readRunList(
    ctx.access,
    ctx.history,
    {},
    { ...listOptions(ctx), counts: true },
  );
  return page(
    await frame(ctx, base, 'jobs', 'Jobs', undefined),
    jobsView(base, ctx.options.jobs, list),
  );
}

/** The job of the module named `name`, or a 404 naming the jobs there are. */
export function jobNamed(ctx: RequestContext, name: string): AnyIterationJob {
  const job = ctx.options.jobs.find((candidate) => candidate.name === name);
  if (job === undefined) {
    const known = ctx.options.jobs.map((candidate) => `"${candidate.name}"`).join(', ');
    throw new HttpError(
      404,
      known === ''
        ? `No job "${name}": start the dashboard with a job module (-m ./jobs.ts) to start runs from it.`
        : `No job "${name}" in the job module; it defines ${known}.`,
    );
  }
  return job;
}

async function history(ctx: RequestContext, name: string): Promise<readonly JobHistoryRow[]> {
  return readJobHistory(ctx.access, ctx.history, name, ctx.names);
}

export async function jobFragment(ctx: RequestContext, base: string, name: string): Promise<Html> {
  jobNamed(ctx, name);
  const queues = await ctx.access.use(async (set) => set.names);
  return jobHistory(base, await history(ctx, name), queues.length > 1);
}

export async function jobPage(ctx: RequestContext, base: string, name: string): Promise<Html> {
  const job = jobNamed(ctx, name);
  const f = await frame(ctx, base, 'job', `Job ${name}`, `${base}/fragments/jobs/${segment(name)}`);
  const schema = paramsJsonSchema(job.definition);
  const { csvUpload } = job.definition as { csvUpload?: CsvUploadOption };
  const form = ctx.options.readOnly
    ? undefined
    : {
        job: name,
        schema,
        queues: f.queueNames,
        defaultQueue: ctx.access.defaultQueue,
        csvUpload,
        uploadsOn: ctx.uploads !== undefined,
        tokenRequired: f.tokenRequired,
      };
  return page(
    f,
    jobHistory(base, await history(ctx, name), f.queueNames.length > 1),
    jobHead(base, job, schema, form),
  );
}
