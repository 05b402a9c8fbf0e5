// When telemetry is on: the option is validated once, and with @opentelemetry/api installed but
// no SDK registered (and no provider given) a worker gets no tracer and no meter at all.
import * as api from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';

import { IterationDefinitionError } from '../../../src/index.js';
import { resolveTelemetryOption } from '../../../src/telemetry/options.js';
import { chooseTelemetry, loadOtelApi } from '../../../src/telemetry/otel-api.js';

const owner = 'IterationWorker for queue "q"';

afterEach(() => {
  api.trace.disable();
  api.metrics.disable();
});

describe('resolveTelemetryOption', () => {
  it("defaults to 'auto' and accepts false and explicit providers", () => {
    expect(resolveTelemetryOption(undefined, owner).mode).toBe('auto');
    expect(resolveTelemetryOption(false, owner).mode).toBe('off');
    const meterProvider = new MeterProvider();
    expect(resolveTelemetryOption({ meterProvider }, owner)).toMatchObject({
      mode: 'explicit',
      meterProvider,
      tracerProvider: undefined,
      itemSampleIntervalMs: 100,
    });
  });

  it.each([
    [true, /expected `openTelemetry` to be 'auto', false or/],
    ['on', /got the string "on"/],
    [{ tracerProvider: {} }, /openTelemetry.tracerProvider.*getTracer\(\)/],
    [{ meterProvider: 42 }, /openTelemetry.meterProvider.*getMeter\(\)/],
    [{ itemSampleIntervalMs: 0 }, /itemSampleIntervalMs.*positive finite.*got number 0/],
  ])('rejects %j, naming the worker and the fix', (value, message) => {
    const attempt = () => resolveTelemetryOption(value as never, owner);
    expect(attempt).toThrow(IterationDefinitionError);
    expect(attempt).toThrow(message);
    expect(attempt).toThrow(owner);
  });
});

describe('chooseTelemetry', () => {
  it('creates nothing when no SDK is registered and no provider is given', async () => {
    const loaded = await loadOtelApi();
    expect(loaded).toBeDefined();
    expect(
      chooseTelemetry(loaded!, resolveTelemetryOption('auto', owner), '0.0.0'),
    ).toBeUndefined();
  });

  it('creates nothing with false, even with an SDK registered', async () => {
    const loaded = (await loadOtelApi())!;
    api.trace.setGlobalTracerProvider(new BasicTracerProvider());
    api.metrics.setGlobalMeterProvider(new MeterProvider());
    expect(chooseTelemetry(loaded, resolveTelemetryOption(false, owner), '0.0.0')).toBeUndefined();
    const auto = chooseTelemetry(loaded, resolveTelemetryOption('auto', owner), '0.0.0');
    expect(auto?.tracer).toBeDefined();
    expect(auto?.meter).toBeDefined();
  });

  it('uses only the parts that reach an SDK', async () => {
    const loaded = (await loadOtelApi())!;
    const option = resolveTelemetryOption({ meterProvider: new MeterProvider() }, owner);
    const chosen = chooseTelemetry(loaded, option, '0.0.0');
    expect(chosen?.meter).toBeDefined();
    expect(chosen?.tracer).toBeUndefined();
  });
});
