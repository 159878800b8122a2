import type { OtelApi, OtelRecorder } from "./otel-api.js";
import { registeredMeterProvider } from "./probe.js";

/** Instrumentation scope of every span and metric of the package. @internal */
export const SCOPE_NAME = "@retrykit/retry-core";

/** The metrics of the engine, from one meter provider. @internal */
export interface Instruments {
  /** `retry.attempts`: attempts made, by outcome. */
  readonly attempts: OtelRecorder;
  /** `retry.retries`: pauses started (attempts followed by another one). */
  readonly retries: OtelRecorder;
  /** `retry.give_ups`: calls that ended without a result, by stop reason. */
  readonly giveUps: OtelRecorder;
  /** `retry.call.attempts`: attempts per call, by stop reason (`success` included). */
  readonly callAttempts: OtelRecorder;
  /** `retry.delay`: pauses chosen, ms, by source. */
  readonly delay: OtelRecorder;
}

let cached: Instruments | undefined;
let cachedFor: unknown;

/**
 * The instruments of the registered meter provider, created once per provider (a provider
 * registered later gets its own); `undefined` when no meter provider is registered. @internal
 */
export function currentInstruments(api: OtelApi): Instruments | undefined {
  const provider = registeredMeterProvider();
  if (provider === undefined) return undefined;
  if (provider !== cachedFor || cached === undefined) {
    const meter = api.metrics.getMeterProvider().getMeter(SCOPE_NAME);
    cached = {
      attempts: meter.createCounter("retry.attempts", {
        description: "Attempts made by retried calls",
        unit: "{attempt}",
      }),
      retries: meter.createCounter("retry.retries", {
        description: "Retries: failed attempts followed by a pause and another attempt",
        unit: "{retry}",
      }),
      giveUps: meter.createCounter("retry.give_ups", {
        description: "Retried calls that ended without a result, by stop reason",
        unit: "{call}",
      }),
      callAttempts: meter.createHistogram("retry.call.attempts", {
        description: "Attempts per retried call, by stop reason",
        unit: "{attempt}",
        advice: { explicitBucketBoundaries: [1, 2, 3, 4, 5, 7, 10, 15, 20, 50, 100] },
      }),
      delay: meter.createHistogram("retry.delay", {
        description: "Pauses chosen between attempts",
        unit: "ms",
        advice: {
          explicitBucketBoundaries: [
            0, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000,
          ],
        },
      }),
    };
    cachedFor = provider;
  }
  return cached;
}
