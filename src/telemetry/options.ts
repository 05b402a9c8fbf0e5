/**
 * The worker's `openTelemetry` option: when runs are traced and measured, and with what. Typed
 * without importing `@opentelemetry/api`, an optional peer: the public declarations must
 * type-check in projects that do not install it.
 */
import { IterationDefinitionError } from '../errors.js';

/**
 * What the library needs of an OpenTelemetry `TracerProvider` (any SDK's fits).
 *
 * @example
 * ```ts
 * const tracerProvider: TracerProviderLike = new BasicTracerProvider({ spanProcessors });
 * ```
 */
export interface TracerProviderLike {
  getTracer(name: string, version?: string): unknown;
}

/**
 * What the library needs of an OpenTelemetry `MeterProvider` (any SDK's fits).
 *
 * @example
 * ```ts
 * const meterProvider: MeterProviderLike = new MeterProvider({ readers: [prometheusExporter] });
 * ```
 */
export interface MeterProviderLike {
  getMeter(name: string, version?: string): unknown;
}

/**
 * Explicit OpenTelemetry providers, for a worker that should not use the global ones.
 *
 * @example
 * ```ts
 * new IterationWorker('maintenance', jobs, {
 *   connection,
 *   openTelemetry: { tracerProvider, meterProvider, itemSampleIntervalMs: 250 },
 * });
 * ```
 */
export interface IterationTelemetryOptions {
  /** Where run spans go. @defaultValue the global tracer provider of `@opentelemetry/api` */
  readonly tracerProvider?: TracerProviderLike;
  /** Where the metrics go. @defaultValue the global meter provider of `@opentelemetry/api` */
  readonly meterProvider?: MeterProviderLike;
  /**
   * Item durations are sampled, not measured per item: every this many milliseconds, each run
   * times its next item into the `bullmq.iteration.item.duration` histogram. @defaultValue 100
   */
  readonly itemSampleIntervalMs?: number;
}

/**
 * - `'auto'` (the default): traced and measured when the worker has BullMQ's `telemetry` option
 *   (`bullmq-otel`) or when a global OpenTelemetry tracer or meter provider is registered (an SDK
 *   started before the worker's first job); otherwise nothing is loaded or created.
 * - `false`: never, whatever is registered.
 * - an object: these providers (the global ones for those left out).
 *
 * @example
 * ```ts
 * new IterationWorker('maintenance', jobs, { connection, telemetry: new BullMQOtel('maintenance') });
 * new IterationWorker('maintenance', jobs, { connection, openTelemetry: { meterProvider } });
 * ```
 */
export type IterationTelemetryOption = 'auto' | false | IterationTelemetryOptions;

export const TELEMETRY_DEFAULTS = {
  itemSampleIntervalMs: 100,
} as const satisfies Required<Pick<IterationTelemetryOptions, 'itemSampleIntervalMs'>>;

export interface ResolvedTelemetryOption {
  readonly mode: 'auto' | 'off' | 'explicit';
  readonly tracerProvider: TracerProviderLike | undefined;
  readonly meterProvider: MeterProviderLike | undefined;
  readonly itemSampleIntervalMs: number;
}

/** Validates the option once, at worker construction; `owner` names the worker in errors. */
export function resolveTelemetryOption(
  value: IterationTelemetryOption | undefined,
  owner: string,
): ResolvedTelemetryOption {
  const base = {
    tracerProvider: undefined,
    meterProvider: undefined,
    itemSampleIntervalMs: TELEMETRY_DEFAULTS.itemSampleIntervalMs,
  };
  if (value === undefined || value === 'auto') return { mode: 'auto', ...base };
  if (value === false) return { mode: 'off', ...base };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new IterationDefinitionError(
      `${owner}: expected \`openTelemetry\` to be 'auto', false or { tracerProvider?, meterProvider? }, ` +
        `got ${describe(value)}. Leave it out to trace and measure when an OpenTelemetry SDK is registered.`,
    );
  }
  const { tracerProvider, meterProvider, itemSampleIntervalMs } = value;
  checkProvider(tracerProvider, 'tracerProvider', 'getTracer', owner);
  checkProvider(meterProvider, 'meterProvider', 'getMeter', owner);
  const interval = itemSampleIntervalMs ?? TELEMETRY_DEFAULTS.itemSampleIntervalMs;
  if (typeof interval !== 'number' || !Number.isFinite(interval) || interval <= 0) {
    throw new IterationDefinitionError(
      `${owner}: expected \`openTelemetry.itemSampleIntervalMs\` to be a positive finite number ` +
        `of milliseconds, got ${describe(interval)}; for example { itemSampleIntervalMs: 100 }.`,
    );
  }
  return { mode: 'explicit', tracerProvider, meterProvider, itemSampleIntervalMs: interval };
}

function checkProvider(value: unknown, key: string, method: string, owner: string): void {
  if (value === undefined) return;
  if (typeof (value as Record<string, unknown> | null)?.[method] !== 'function') {
    throw new IterationDefinitionError(
      `${owner}: expected \`openTelemetry.${key}\` to be an OpenTelemetry provider with a ` +
        `${method}() method (an SDK's ${key === 'tracerProvider' ? 'BasicTracerProvider' : 'MeterProvider'}), ` +
        `got ${describe(value)}.`,
    );
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `the string "${value}"`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object'
    ? 'an object without that method'
    : `${typeof value} ${String(value)}`;
}

/**
 * The worker option that turns telemetry on or off (see {@link IterationTelemetryOption}).
 *
 * @example
 * ```ts
 * new IterationWorker('maintenance', jobs, { connection, openTelemetry: false });
 * ```
 */
export interface TelemetryWorkerOptions {
  /**
   * OpenTelemetry spans and metrics for every run: see the observability guide.
   * @defaultValue 'auto': on when BullMQ's `telemetry` option is given or an SDK is registered
   */
  readonly openTelemetry?: IterationTelemetryOption;
}
