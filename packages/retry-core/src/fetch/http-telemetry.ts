import { errorType } from "../telemetry/call-telemetry.js";
import type { TelemetryAttributes, TelemetryOptions } from "../telemetry/telemetry-options.js";
import { RetryableResponse, StopRetrying } from "./retryable-response.js";

function statusAttributes(response: Response): Record<string, string | number> {
  const attributes: Record<string, string | number> = {
    "http.response.status_code": response.status,
  };
  // The HTTP conventions: a 4xx/5xx status is the error type.
  if (response.status >= 400) attributes["error.type"] = String(response.status);
  return attributes;
}

function outcomeAttributes(
  outcome: "value" | "error",
  result: unknown,
): TelemetryAttributes | undefined {
  if (outcome === "value") {
    return result instanceof Response ? statusAttributes(result) : undefined;
  }
  if (result instanceof RetryableResponse) return statusAttributes(result.response);
  const error = result instanceof StopRetrying ? result.cause : result;
  return { "error.type": errorType(error) };
}

/**
 * The telemetry of one `RetryClient` request, after the OpenTelemetry HTTP client conventions: one
 * `CLIENT` span per attempt named after the method, with `http.request.method`, `server.address`,
 * `server.port`, `url.full`, `http.response.status_code`, `error.type` and, on a resend,
 * `http.request.resend_count`; the attempts are children of one `retry <METHOD>` span. @internal
 */
export function httpTelemetry(method: string, url: string): TelemetryOptions {
  const parsed = new URL(url);
  const port = parsed.port !== "" ? Number(parsed.port) : parsed.protocol === "https:" ? 443 : 80;
  return {
    spanName: `retry ${method}`,
    attributes: {
      "http.request.method": method,
      "server.address": parsed.hostname,
      "server.port": port,
      "url.full": parsed.href,
    },
    attemptSpans: true,
    attemptSpanName: method,
    attemptSpanKind: "client",
    httpResendCount: true,
    outcomeAttributes,
  };
}
