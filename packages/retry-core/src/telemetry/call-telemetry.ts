import type { AttemptRecord } from "../history/attempt-record.js";
import type { HistoryStopReason } from "../history/call-history.js";
import { currentInstruments, type Instruments, SCOPE_NAME } from "./instruments.js";
import { type OtelApi, type OtelSpan, otelApi } from "./otel-api.js";
import { tracingWanted } from "./probe.js";
import type { TelemetryAttributes, TelemetrySettings } from "./telemetry-options.js";

/** The `error.type` of a failure: its class name (the conventions' fallback when no code fits). */
export function errorType(error: unknown): string {
  if (typeof error === "object" && error !== null) {
    const name = (error as { name?: unknown }).name;
    if (typeof name === "string" && name !== "") return name;
    const ctor = (error as { constructor?: { name?: unknown } }).constructor;
    if (typeof ctor?.name === "string" && ctor.name !== "") return ctor.name;
  }
  return "_OTHER";
}

function outcomeAttributes(
  settings: TelemetrySettings,
  outcome: "value" | "error",
  result: unknown,
): TelemetryAttributes | undefined {
  const describe = settings.outcomeAttributes;
  if (describe === undefined) return undefined;
  try {
    return describe(outcome, result);
  } catch {
    // Telemetry observes; it never changes the outcome of the call.
    return undefined;
  }
}

/**
 * The OpenTelemetry side of one call (or session): its span, its attempts as events or child
 * spans, and its metrics. Created only when a tracer or meter provider is registered. @internal
 */
export class CallTelemetry {
  readonly #api: OtelApi;
  readonly #settings: TelemetrySettings;
  readonly #instruments: Instruments | undefined;
  readonly #span: OtelSpan | undefined;
  /** The context with the call's span, parent of the attempt spans. */
  readonly #context: unknown;
  readonly #metricAttributes: Record<string, unknown>;
  readonly #name: string;
  /** The call span's attributes, repeated on its attempt spans. */
  readonly #attributes: TelemetryAttributes | undefined;
  /** Attempt spans still open, by attempt number (hedged attempts may overlap). */
  #attemptSpans: Map<number, OtelSpan> | undefined = undefined;
  #ended = false;
  readonly #reported = new WeakSet<AttemptRecord>();

  private constructor(
    api: OtelApi,
    settings: TelemetrySettings,
    name: string,
    attributes: TelemetryAttributes | undefined,
  ) {
    this.#api = api;
    this.#settings = settings;
    this.#instruments = currentInstruments(api);
    this.#name = name;
    this.#attributes = attributes;
    this.#metricAttributes = { "retry.name": name };
    const parent = api.context.active();
    if (tracingWanted()) {
      const span = api.trace
        .getTracer(SCOPE_NAME)
        .startSpan(name, { kind: api.SpanKind.INTERNAL, attributes }, parent);
      this.#span = span;
      this.#context = api.trace.setSpan(parent, span);
    } else {
      this.#context = parent;
    }
  }

  /** Starts the telemetry of a call to `fn`, or `undefined` when `@opentelemetry/api` is missing. */
  static begin(
    settings: TelemetrySettings,
    fnName: string,
    thisArg: unknown,
    args: readonly unknown[],
  ): CallTelemetry | undefined {
    const api = otelApi();
    if (api === null) return undefined;
    const name = settings.spanName ?? (fnName === "" ? "retry" : `retry ${fnName}`);
    let attributes = settings.attributes;
    const of = settings.callAttributes;
    if (of !== undefined) {
      try {
        const extra = of(thisArg, args);
        if (extra !== undefined) attributes = { ...attributes, ...extra };
      } catch {
        // Telemetry observes; a broken describer loses its attributes, not the call.
      }
    }
    return new CallTelemetry(api, settings, name, attributes);
  }

  /** Runs attempt `attempt` of the call inside the call's span (or its own attempt span). */
  runAttempt(
    attempt: number,
    hedged: boolean,
    fn: (this: unknown, ...args: unknown[]) => unknown,
    thisArg: unknown,
    args: unknown[],
  ): unknown {
    const api = this.#api;
    const settings = this.#settings;
    let context = this.#context;
    if (settings.attemptSpans && this.#span !== undefined) {
      const attributes: Record<string, unknown> = {
        ...this.#attributes,
        "retry.attempt": attempt,
      };
      if (hedged) attributes["retry.hedged"] = true;
      if (settings.httpResendCount && attempt > 1) {
        attributes["http.request.resend_count"] = attempt - 1;
      }
      const span = api.trace.getTracer(SCOPE_NAME).startSpan(
        settings.attemptSpanName ?? this.#name,
        {
          kind: settings.attemptSpanKind === "client" ? api.SpanKind.CLIENT : api.SpanKind.INTERNAL,
          attributes,
        },
        context,
      );
      if (this.#attemptSpans === undefined) this.#attemptSpans = new Map();
      this.#attemptSpans.set(attempt, span);
      context = api.trace.setSpan(context, span);
    }
    return api.context.with(context, () => fn.apply(thisArg, args));
  }

  /** Reports an attempt that ended (its pause, if one was chosen, already noted in `record`). */
  attemptEnded(record: AttemptRecord): void {
    // Each attempt is reported once, whichever path (retry, end of call) gets to it first.
    if (this.#reported.has(record)) return;
    this.#reported.add(record);
    const settings = this.#settings;
    const attributes: Record<string, unknown> = {
      "retry.attempt": record.attempt,
      "retry.outcome": record.outcome,
    };
    if (record.outcome === "error") attributes["error.type"] = errorType(record.error);
    if (record.hedged) attributes["retry.hedged"] = true;
    if (settings.httpResendCount && record.attempt > 1) {
      attributes["http.request.resend_count"] = record.attempt - 1;
    }
    if (!Number.isNaN(record.duration)) attributes["retry.duration_ms"] = record.duration;
    const described = outcomeAttributes(
      settings,
      record.outcome,
      record.outcome === "value" ? record.value : record.error,
    );
    if (described !== undefined) Object.assign(attributes, described);
    const eventAttributes = { ...attributes };
    if (record.delay !== undefined) {
      eventAttributes["retry.delay_ms"] = record.delay;
      eventAttributes["retry.delay_source"] = record.delaySource;
      if (record.delayLimit !== undefined) eventAttributes["retry.delay_limit"] = record.delayLimit;
    }
    const attemptSpan = this.#attemptSpans?.get(record.attempt);
    if (attemptSpan !== undefined) {
      this.#attemptSpans?.delete(record.attempt);
      attemptSpan.setAttributes(eventAttributes);
      if (record.outcome === "error") {
        attemptSpan.setStatus({
          code: this.#api.SpanStatusCode.ERROR,
          message: attributes["error.type"] as string,
        });
      }
      attemptSpan.end();
    } else {
      this.#span?.addEvent("retry.attempt", eventAttributes);
    }
    const instruments = this.#instruments;
    if (instruments !== undefined) {
      const metric: Record<string, unknown> = {
        ...this.#metricAttributes,
        "retry.outcome": record.outcome,
      };
      if (record.outcome === "error") metric["error.type"] = attributes["error.type"];
      instruments.attempts.add?.(1, metric);
    }
  }

  /** Reports the pause chosen before another attempt. */
  retried(record: AttemptRecord): void {
    const instruments = this.#instruments;
    if (instruments === undefined || record.delay === undefined) return;
    instruments.retries.add?.(1, this.#metricAttributes);
    instruments.delay.record?.(record.delay, {
      ...this.#metricAttributes,
      "retry.delay_source": record.delaySource,
    });
  }

  /** Ends the call's span and counts the call; `error` is what the call rejects with, if it failed. */
  end(reason: HistoryStopReason, attempts: number, error?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    // Attempts abandoned by an abort or the deadline have no outcome of their own to wait for.
    if (this.#attemptSpans !== undefined) {
      for (const span of this.#attemptSpans.values()) {
        span.setStatus({ code: this.#api.SpanStatusCode.ERROR, message: reason });
        span.end();
      }
      this.#attemptSpans.clear();
    }
    const span = this.#span;
    if (span !== undefined) {
      span.setAttribute("retry.attempts", attempts);
      span.setAttribute("retry.stop_reason", reason);
      if (reason !== "success") {
        const described = outcomeAttributes(this.#settings, "error", error)?.["error.type"];
        const type = typeof described === "string" ? described : errorType(error);
        span.setAttribute("error.type", type);
        span.setStatus({ code: this.#api.SpanStatusCode.ERROR, message: `${reason}: ${type}` });
      }
      span.end();
    }
    const instruments = this.#instruments;
    if (instruments !== undefined) {
      const attributes = { ...this.#metricAttributes, "retry.stop_reason": reason };
      if (reason !== "success") instruments.giveUps.add?.(1, attributes);
      instruments.callAttempts.record?.(attempts, attributes);
    }
  }
}
