import { createRequire } from "node:module";

/** The part of `@opentelemetry/api` the engine uses (typed here so that the api stays optional). @internal */
export interface OtelApi {
  trace: {
    getTracer(name: string, version?: string): OtelTracer;
    setSpan(context: unknown, span: OtelSpan): unknown;
  };
  context: {
    active(): unknown;
    with<A extends unknown[], F extends (...args: A) => unknown>(
      context: unknown,
      fn: F,
      thisArg?: unknown,
      ...args: A
    ): ReturnType<F>;
  };
  metrics: {
    getMeterProvider(): { getMeter(name: string, version?: string): OtelMeter };
  };
  SpanKind: { INTERNAL: number; CLIENT: number };
  SpanStatusCode: { UNSET: number; OK: number; ERROR: number };
}

/** @internal */
export interface OtelTracer {
  startSpan(name: string, options?: Record<string, unknown>, context?: unknown): OtelSpan;
}

/** @internal */
export interface OtelSpan {
  setAttribute(key: string, value: unknown): unknown;
  setAttributes(attributes: Record<string, unknown>): unknown;
  addEvent(name: string, attributes?: Record<string, unknown>): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  isRecording(): boolean;
  end(): void;
}

/** @internal */
export interface OtelMeter {
  createCounter(name: string, options?: Record<string, unknown>): OtelRecorder;
  createHistogram(name: string, options?: Record<string, unknown>): OtelRecorder;
}

/** @internal */
export interface OtelRecorder {
  add?(value: number, attributes?: Record<string, unknown>): void;
  record?(value: number, attributes?: Record<string, unknown>): void;
}

let loaded: OtelApi | null | undefined;

/**
 * `@opentelemetry/api`, loaded on first use with `require` (no top-level `await`, so that CommonJS
 * code can `require` this package), or `null` when it is not installed. Cached. @internal
 */
export function otelApi(): OtelApi | null {
  if (loaded !== undefined) return loaded;
  try {
    loaded = createRequire(import.meta.url)("@opentelemetry/api") as OtelApi;
  } catch {
    // Not installed: an optional peer dependency.
    loaded = null;
  }
  return loaded;
}
