/** A job definition's settings as the Jobs page and a job's page show them. */
import type { AnyIterationJob } from '../../define-job.js';
import { paramsSchemaOf } from '../../params-schema.js';
import { duration } from './widgets.js';

interface Definition {
  readonly maxRuntimeMs?: number;
  readonly maxItemsPerRun?: number;
  readonly maxItems?: number;
  readonly checkpointMode?: string;
  readonly throttle?: unknown;
  readonly parseParams?: unknown;
  readonly partitions?: unknown;
  readonly steps?: readonly { readonly name?: unknown }[];
  readonly itemErrors?: unknown;
  readonly defaultJobOptions?: unknown;
  readonly csvUpload?: { readonly param?: unknown };
}

export interface JobSettings {
  readonly checkpoints: string;
  readonly maxRuntime: string;
  readonly throttle: string;
  /** How params are checked: a schema (its library), parseParams, or not at all. */
  readonly params: string;
  /** Every setting, for a job's page. */
  readonly all: readonly (readonly [string, string])[];
}

export function jobSettings(job: AnyIterationJob): JobSettings {
  const d = job.definition as Definition;
  const throttles = Array.isArray(d.throttle) ? d.throttle.length : d.throttle ? 1 : 0;
  const schema = paramsSchemaOf(d);
  const params = schema
    ? `${schema.schema['~standard'].vendor} schema${schema.own ? ' + parseParams' : ''}`
    : d.parseParams
      ? 'parseParams'
      : 'not checked';
  const checkpoints = d.checkpointMode ?? 'worker default';
  const maxRuntime = d.maxRuntimeMs === undefined ? 'worker default' : duration(d.maxRuntimeMs);
  const throttle = throttles === 0 ? 'none' : `${throttles} condition${throttles === 1 ? '' : 's'}`;
  const all: [string, string][] = [
    ['params', params],
    ['checkpoints', checkpoints],
    ['max runtime', maxRuntime],
    ['throttle', throttle],
  ];
  if (d.steps) all.push(['steps', d.steps.map((step) => String(step.name)).join(' → ')]);
  if (d.partitions) all.push(['parallel', 'yes: planned into partitions']);
  if (d.maxItemsPerRun !== undefined) all.push(['max items per run', String(d.maxItemsPerRun)]);
  if (d.maxItems !== undefined) all.push(['max items', String(d.maxItems)]);
  if (d.itemErrors !== undefined) all.push(['item errors', JSON.stringify(d.itemErrors)]);
  if (d.defaultJobOptions !== undefined) {
    all.push(['default job options', JSON.stringify(d.defaultJobOptions)]);
  }
  if (d.csvUpload !== undefined) all.push(['CSV upload', `param ${String(d.csvUpload.param)}`]);
  return { checkpoints, maxRuntime, throttle, params, all };
}
