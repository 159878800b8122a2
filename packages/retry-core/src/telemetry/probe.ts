// Where @opentelemetry/api 1.x keeps its global registrations (tracer provider under `trace`,
// meter provider under `metrics`), shared by every copy of the api loaded in the process.
const API_KEY = Symbol.for("opentelemetry.js.api.1");

/** How many calls may pass between two looks for the api's global object while it does not exist. */
const RECHECK_EVERY = 64;

interface ApiGlobal {
  trace?: unknown;
  metrics?: unknown;
}

let apiGlobal: ApiGlobal | undefined;
let misses = 0;

/**
 * Whether a tracer or meter provider is registered with `@opentelemetry/api`: two property reads
 * once the api's global object exists (it is created by the first registration and never replaced),
 * and until then one look at `globalThis` every 64 calls. So a provider registered at any time is
 * seen, at the latest after 64 calls if it is the process's first OpenTelemetry registration. @internal
 */
export function telemetryWanted(): boolean {
  const found = apiGlobal;
  if (found !== undefined) return found.trace !== undefined || found.metrics !== undefined;
  if ((misses++ & (RECHECK_EVERY - 1)) !== 0) return false;
  const current = (globalThis as { [API_KEY]?: ApiGlobal })[API_KEY];
  if (current === undefined) return false;
  apiGlobal = current;
  return current.trace !== undefined || current.metrics !== undefined;
}

/** Whether a tracer provider is registered (meaningful after `telemetryWanted()` said yes). @internal */
export function tracingWanted(): boolean {
  return apiGlobal?.trace !== undefined;
}

/** The registered meter provider object, to tell when it changed. @internal */
export function registeredMeterProvider(): unknown {
  return apiGlobal?.metrics;
}
