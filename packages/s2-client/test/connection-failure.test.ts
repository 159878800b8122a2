import { Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { S2Error } from "../src/errors.js";
import { type AppendRetrySettings, connectionFailureOf, shouldRetry } from "../src/retry-table.js";

/** A grpc-js error as its client hands it over: `code`, `details`, empty `metadata`. */
const grpcError = (code: number, details: string): ServiceError =>
  Object.assign(new Error(`${code} ${status[code]}: ${details}`), {
    code,
    details,
    metadata: new Metadata(),
  });

const appendsOn: AppendRetrySettings = { enableAppendRetries: true, appendRetryPolicy: "all" };
const appendsSafe: AppendRetrySettings = {
  enableAppendRetries: true,
  appendRetryPolicy: "noSideEffects",
};

describe("connection failures", () => {
  const cases: [number, string, "notSent" | "dropped" | undefined][] = [
    [status.UNAVAILABLE, "Stream refused by server", "notSent"],
    [
      status.INTERNAL,
      "Failed to start HTTP/2 stream with error New streams cannot be created after receiving a GOAWAY",
      "notSent",
    ],
    [status.INTERNAL, "Received RST_STREAM with code 2 (Internal server error)", "dropped"],
    [
      status.INTERNAL,
      "Received RST_STREAM with code 2 triggered by internal client error: Session closed with error code 2",
      "dropped",
    ],
    [
      status.INTERNAL,
      "Received RST_STREAM with code 0 (Call ended without gRPC status)",
      "dropped",
    ],
    [status.UNAVAILABLE, "Connection dropped", "dropped"],
    // What a server says itself keeps its meaning.
    [status.INTERNAL, "storage failed", undefined],
    [status.INVALID_ARGUMENT, "Received RST_STREAM with code 2", undefined],
    [status.CANCELLED, "Call cancelled", undefined],
  ];

  it.each(cases)("code %i %j is %s", (code, details, expected) => {
    expect(connectionFailureOf(grpcError(code, details))).toBe(expected);
    // The same answer once wrapped by the client.
    expect(connectionFailureOf(S2Error.from(grpcError(code, details)))).toBe(expected);
  });

  it("a reset stream (INTERNAL from grpc-js) is retryable for idempotent calls, not for an ambiguous append", () => {
    const reset = S2Error.from(
      grpcError(status.INTERNAL, "Received RST_STREAM with code 2 (Internal server error)"),
    );
    expect(reset.code).toBe(status.INTERNAL);
    expect(reset.retryable).toBe(true);
    expect(shouldRetry("CheckTail", reset, appendsOn)).toBe(true);
    expect(shouldRetry("CreateStream", reset, appendsOn)).toBe(true);
    expect(shouldRetry("Append", reset, appendsOn)).toBe(true);
    expect(shouldRetry("Append", reset, appendsSafe)).toBe(false);
    expect(shouldRetry("AppendSession", reset, appendsSafe, true)).toBe(true);
    expect(shouldRetry("IssueAccessToken", reset, appendsOn)).toBe(false);
  });

  it("a request that never reached the server is retryable whatever the RPC", () => {
    const unsent = S2Error.from(
      grpcError(
        status.INTERNAL,
        "Failed to start HTTP/2 stream with error New streams cannot be created after receiving a GOAWAY",
      ),
    );
    expect(unsent.retryable).toBe(true);
    expect(shouldRetry("IssueAccessToken", unsent, appendsOn)).toBe(true);
    expect(shouldRetry("Append", unsent, appendsSafe)).toBe(true);
    expect(shouldRetry("Append", unsent, { ...appendsOn, enableAppendRetries: false })).toBe(false);
  });

  it("an INTERNAL status sent by the server stays final", () => {
    const internal = S2Error.from(grpcError(status.INTERNAL, "storage failed"));
    expect(internal.retryable).toBe(false);
    expect(shouldRetry("CheckTail", internal, appendsOn)).toBe(false);
  });
});
