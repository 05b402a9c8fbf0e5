/**
 * `@opentelemetry/api` is an optional peer dependency, imported on a worker's first job and only
 * when its telemetry option asks for it (see options.ts): a project without it, or with it and no
 * SDK, gets no span, no instrument and no per-item work at all.
 */
import type * as OtelApiModule from '@opentelemetry/api';
import type { Meter, Tracer } from '@opentelemetry/api';

import { isMissingPackage } from '../embedded/optional-peer.js';
import { INSTRUMENTATION_NAME } from './names.js';
import type { ResolvedTelemetryOption } from './options.js';

export type OtelApi = typeof OtelApiModule;

let loading: Promise<OtelApi | undefined> | undefined;

/** The API module, or undefined when it is not installed; imported once per process. */
export function loadOtelApi(): Promise<OtelApi | undefined> {
  loading ??= import('@opentelemetry/api').then(
    (module) => module as OtelApi,
    (error: unknown) => {
      if (isMissingPackage(error, '@opentelemetry/api')) return undefined;
      throw error;
    },
  );
  return loading;
}

/** What a worker traces and measures with; each part absent when it would only reach a no-op. */
export interface ActiveTelemetry {
  readonly api: OtelApi;
  readonly tracer: Tracer | undefined;
  readonly meter: Meter | undefined;
}

/**
 * Chooses the tracer and meter for a worker: explicit providers first, then the global ones when
 * an SDK registered them (bullmq-otel, BullMQ's `telemetry` option, reports through the same
 * global API, so its job spans and ours share the SDK).
 */
export function chooseTelemetry(
  api: OtelApi,
  option: ResolvedTelemetryOption,
  version: string,
): ActiveTelemetry | undefined {
  if (option.mode === 'off') return undefined;
  const tracerProvider = option.tracerProvider ?? registeredTracerProvider(api);
  const meterProvider = option.meterProvider ?? registeredMeterProvider(api, version);
  const tracer = tracerProvider?.getTracer(INSTRUMENTATION_NAME, version) as Tracer | undefined;
  const meter = meterProvider?.getMeter(INSTRUMENTATION_NAME, version) as Meter | undefined;
  if (tracer === undefined && meter === undefined) return undefined;
  return { api, tracer, meter };
}

/** The global tracer provider, unless it is still the API's no-op one. */
function registeredTracerProvider(api: OtelApi) {
  const provider = api.trace.getTracerProvider();
  if (!(provider instanceof api.ProxyTracerProvider)) return provider;
  // A fresh proxy's delegate is the API's no-op provider: the global one has no SDK behind it yet.
  const noop = new api.ProxyTracerProvider().getDelegate();
  return provider.getDelegate() === noop ? undefined : provider;
}

/** The global meter provider, unless it hands out the API's no-op meter. */
function registeredMeterProvider(api: OtelApi, version: string) {
  const provider = api.metrics.getMeterProvider();
  return provider.getMeter(INSTRUMENTATION_NAME, version) === api.createNoopMeter()
    ? undefined
    : provider;
}
