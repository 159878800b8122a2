import { describeValue } from "../describe-value.js";

/** Attribute values as OpenTelemetry accepts them (without depending on its types). */
export type TelemetryAttributes = Readonly<
  Record<string, string | number | boolean | readonly string[] | readonly number[]>
>;

/**
 * How a policy's calls appear in OpenTelemetry. Everything is optional: with no options a call is
 * one span named `retry <function name>` with one event per attempt.
 *
 * @example
 * ```ts
 * import { Backoff } from "@retrykit/retry-core";
 * const backoff = new Backoff({
 *   maxTries: 3,
 *   retryIf: () => true,
 *   telemetry: { spanName: "load profile", attributes: { "app.user_store": "primary" }, attemptSpans: true },
 * });
 * ```
 */
export interface TelemetryOptions {
  /** Name of the call's span. @default "retry <function name>" (or "retry" for an anonymous function) */
  spanName?: string;
  /** Attributes of the call's span (and of its attempt spans). Never put secrets here. */
  attributes?: TelemetryAttributes;
  /** One child span per attempt instead of one span event per attempt. @default false */
  attemptSpans?: boolean;
  /** Name of an attempt span. @default the call's span name */
  attemptSpanName?: string;
  /** Kind of the attempt spans: `"client"` for attempts that are remote calls. @default "internal" */
  attemptSpanKind?: "internal" | "client";
  /**
   * Record `http.request.resend_count` (the attempt number minus one, from the second attempt on)
   * on attempt spans and events, as the HTTP client conventions ask of a resent request. @default false
   */
  httpResendCount?: boolean;
  /**
   * Attributes of one call from its `this` and arguments (e.g. the resource it works on), added to
   * `attributes`: called once per observed call; what it throws is ignored. Never return secrets.
   */
  callAttributes?: (thisArg: unknown, args: readonly unknown[]) => TelemetryAttributes | undefined;
  /**
   * Extra attributes of an attempt from its outcome (e.g. `http.response.status_code` from a
   * response): called once per attempt; what it throws is ignored.
   */
  outcomeAttributes?: (
    outcome: "value" | "error",
    result: unknown,
  ) => TelemetryAttributes | undefined;
}

/** Compiled `TelemetryOptions`. @internal */
export interface TelemetrySettings {
  readonly spanName: string | undefined;
  readonly attributes: TelemetryAttributes | undefined;
  readonly attemptSpans: boolean;
  readonly attemptSpanName: string | undefined;
  readonly attemptSpanKind: "internal" | "client";
  readonly httpResendCount: boolean;
  readonly callAttributes:
    | ((thisArg: unknown, args: readonly unknown[]) => TelemetryAttributes | undefined)
    | undefined;
  readonly outcomeAttributes:
    | ((outcome: "value" | "error", result: unknown) => TelemetryAttributes | undefined)
    | undefined;
}

const defaults: TelemetrySettings = Object.freeze({
  spanName: undefined,
  attributes: undefined,
  attemptSpans: false,
  attemptSpanName: undefined,
  attemptSpanKind: "internal",
  httpResendCount: false,
  callAttributes: undefined,
  outcomeAttributes: undefined,
});

function optionalString(name: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || value === "") {
    throw new TypeError(
      `telemetry.${name} must be a non-empty string, got ${describeValue(value)}`,
    );
  }
  return value;
}

function optionalBoolean(name: string, value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== "boolean") {
    throw new TypeError(`telemetry.${name} must be a boolean, got ${describeValue(value)}`);
  }
  return value;
}

function optionalFunction<F>(name: string, value: F | undefined): F | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "function") {
    throw new TypeError(`telemetry.${name} must be a function, got ${describeValue(value)}`);
  }
  return value;
}

/** Validates the `telemetry` option; `undefined` = turned off. @internal */
export function compileTelemetry(value: unknown): TelemetrySettings | undefined {
  if (value === false) return undefined;
  if (value === undefined || value === null) return defaults;
  if (typeof value !== "object") {
    throw new TypeError(`telemetry must be an object or false, got ${describeValue(value)}`);
  }
  const options = value as TelemetryOptions;
  const attributes = options.attributes;
  if (attributes !== undefined && (typeof attributes !== "object" || attributes === null)) {
    throw new TypeError(`telemetry.attributes must be an object, got ${describeValue(attributes)}`);
  }
  const kind = options.attemptSpanKind ?? "internal";
  if (kind !== "internal" && kind !== "client") {
    throw new TypeError(
      `telemetry.attemptSpanKind must be "internal" or "client", got ${describeValue(kind)}`,
    );
  }
  const outcomeAttributes = optionalFunction("outcomeAttributes", options.outcomeAttributes);
  const callAttributes = optionalFunction("callAttributes", options.callAttributes);
  return Object.freeze({
    spanName: optionalString("spanName", options.spanName),
    attributes: attributes === undefined ? undefined : Object.freeze({ ...attributes }),
    attemptSpans: optionalBoolean("attemptSpans", options.attemptSpans),
    attemptSpanName: optionalString("attemptSpanName", options.attemptSpanName),
    attemptSpanKind: kind,
    httpResendCount: optionalBoolean("httpResendCount", options.httpResendCount),
    callAttributes,
    outcomeAttributes,
  });
}
