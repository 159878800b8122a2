import type { TelemetryAttributes, TelemetryOptions } from "@retrykit/retry-core";
import type { TransportKind } from "./endpoints.js";
import { S2Error } from "./errors.js";
import type { Rpc } from "./retry-table.js";

/** The basin (and stream) a `Basin` or `Stream` handle works on, for span attributes. */
const targets = new WeakMap<object, TelemetryAttributes>();

/** Records what a handle works on, so that its calls' spans carry `s2.basin` and `s2.stream`. @internal */
export function nameTarget(handle: object, basin: string, stream?: string): void {
  targets.set(
    handle,
    stream === undefined ? { "s2.basin": basin } : { "s2.basin": basin, "s2.stream": stream },
  );
}

const STREAM_RPCS: ReadonlySet<Rpc> = new Set([
  "CheckTail",
  "Append",
  "AppendSession",
  "Read",
  "ReadSession",
]);
const BASIN_RPCS: ReadonlySet<Rpc> = new Set([
  "ListStreams",
  "CreateStream",
  "DeleteStream",
  "GetStreamConfig",
  "ReconfigureStream",
]);

/** `AppendSession` → `append_session`. */
function snakeCase(rpc: string): string {
  return rpc.replace(
    /[A-Z]/g,
    (letter, at: number) => (at === 0 ? "" : "_") + letter.toLowerCase(),
  );
}

/**
 * The OpenTelemetry options of one RPC's policy: spans named after the operation (`s2.append`,
 * `s2.read_session`, ...), the basin and stream of the call, and the conventions of the wire: over
 * gRPC `rpc.system`, `rpc.service`, `rpc.method` and a failed attempt's `rpc.grpc.status_code`;
 * over REST `http.response.status_code` and S2's error code as `error.type`. Never the access
 * token. @internal
 */
export function s2Telemetry(rpc: Rpc, transport: TransportKind): TelemetryOptions {
  const spanName = `s2.${snakeCase(rpc)}`;
  const callAttributes = (self: unknown) =>
    typeof self === "object" && self !== null ? targets.get(self) : undefined;
  if (transport === "rest") {
    return {
      spanName,
      attributes: { "s2.transport": "rest", "s2.operation": rpc },
      callAttributes,
      outcomeAttributes: (outcome, result) =>
        outcome === "error" && S2Error.is(result)
          ? {
              ...(result.httpStatus === undefined
                ? {}
                : { "http.response.status_code": result.httpStatus }),
              "error.type": result.errorCode ?? result.codeName,
            }
          : undefined,
    };
  }
  const service = STREAM_RPCS.has(rpc)
    ? "s2.v1alpha.StreamService"
    : BASIN_RPCS.has(rpc)
      ? "s2.v1alpha.BasinService"
      : "s2.v1alpha.AccountService";
  return {
    spanName,
    attributes: {
      "s2.transport": "grpc",
      "rpc.system": "grpc",
      "rpc.service": service,
      "rpc.method": rpc,
    },
    callAttributes,
    // The gRPC conventions: a failed attempt's status code, and its name as the error type.
    outcomeAttributes: (outcome, result) =>
      outcome === "error" && S2Error.is(result)
        ? { "rpc.grpc.status_code": result.code, "error.type": result.codeName }
        : undefined,
  };
}
