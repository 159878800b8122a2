import type { TelemetryAttributes, TelemetryOptions } from "@retrykit/retry-core";
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
 * `s2.read_session`, ...), the RPC conventions' `rpc.system`, `rpc.service` and `rpc.method`, and
 * the basin and stream of the call. Never the access token. @internal
 */
export function s2Telemetry(rpc: Rpc): TelemetryOptions {
  const service = STREAM_RPCS.has(rpc)
    ? "s2.v1alpha.StreamService"
    : BASIN_RPCS.has(rpc)
      ? "s2.v1alpha.BasinService"
      : "s2.v1alpha.AccountService";
  return {
    spanName: `s2.${snakeCase(rpc)}`,
    attributes: { "rpc.system": "grpc", "rpc.service": service, "rpc.method": rpc },
    callAttributes: (self) =>
      typeof self === "object" && self !== null ? targets.get(self) : undefined,
    // The gRPC conventions: a failed attempt's status code, and its name as the error type.
    outcomeAttributes: (outcome, result) =>
      outcome === "error" && S2Error.is(result)
        ? { "rpc.grpc.status_code": result.code, "error.type": result.codeName }
        : undefined,
  };
}
