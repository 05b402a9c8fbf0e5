/**
 * Pages and the fragments their script refreshes, put together from the data readers and the
 * renderers in pages/. A page and its fragment render the same live region, so a refresh shows
 * exactly what a reload would.
 */
import type { RequestContext } from './context.js';
import type { Html } from './html.js';
import { segment } from './html.js';
import { jobsView } from './pages/jobs.js';
import type { PageFrame } from './pages/layout.js';
import { page } from './pages/layout.js';
import { runView } from './pages/run.js';
import { runFilters, runsTable } from './pages/runs.js';
import type { RunFilters } from './runs.js';
import { readRunDetail, readRunList } from './runs.js';

function frame(
  ctx: RequestContext,
  base: string,
  nav: PageFrame['nav'],
  title: string,
  fragmentUrl: string | undefined,
): PageFrame {
  const { options } = ctx;
  return {
    title,
    base,
    queueName: ctx.access.queueName,
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

export async function runsFragment(
  ctx: RequestContext,
  base: string,
  filters: RunFilters,
): Promise<Html> {
  const list = await readRunList(ctx.access, ctx.history, filters, ctx.listOptions);
  return runsTable(base, list, filters, ctx.options.readOnly);
}

export async function runsPage(
  ctx: RequestContext,
  base: string,
  filters: RunFilters,
): Promise<Html> {
  const list = await readRunList(ctx.access, ctx.history, filters, ctx.listOptions);
  return page(
    frame(ctx, base, 'runs', `Runs of ${ctx.access.queueName}`, `${base}/fragments/runs`),
    runsTable(base, list, filters, ctx.options.readOnly),
    runFilters(base, list, filters),
  );
}

export async function runFragment(ctx: RequestContext, jobId: string): Promise<Html> {
  const detail = await readRunDetail(ctx.access, ctx.history, jobId);
  return runView({
    detail,
    samples: ctx.history.samples(jobId),
    changes: ctx.history.changes(jobId),
    readOnly: ctx.options.readOnly,
  });
}

export async function runPage(ctx: RequestContext, base: string, jobId: string): Promise<Html> {
  const live = await runFragment(ctx, jobId);
  return page(
    frame(ctx, base, 'run', `Run #${jobId}`, `${base}/fragments/runs/${segment(jobId)}`),
    live,
  );
}

export async function jobsPage(ctx: RequestContext, base: string): Promise<Html> {
  const list = await readRunList(ctx.access, ctx.history, {}, ctx.listOptions);
  return page(frame(ctx, base, 'jobs', 'Jobs', undefined), jobsView(base, ctx.options.jobs, list));
}
