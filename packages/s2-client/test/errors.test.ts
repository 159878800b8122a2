import { Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { FencingTokenMismatchError, S2Error, SeqNumMismatchError } from "../src/errors.js";

function serviceError(
  code: number,
  details: string,
  trailers: Record<string, string> = {},
): ServiceError {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(trailers)) metadata.set(key, value);
  return Object.assign(new Error(`${code} ${status[code]}: ${details}`), {
    code,
    details,
    metadata,
  });
}

describe("S2Error.from", () => {
  it("keeps the code, the message and the cause of a grpc-js error", () => {
    const cause = serviceError(status.NOT_FOUND, "stream not found");
    const error = S2Error.from(cause);
    expect(error).toBeInstanceOf(S2Error);
    expect(error.code).toBe(status.NOT_FOUND);
    expect(error.codeName).toBe("NOT_FOUND");
    expect(error.message).toBe("stream not found");
    expect(error.retryable).toBe(false);
    expect(error.cause).toBe(cause);
  });

  it("marks retryable codes and reads retry-after-ms", () => {
    const error = S2Error.from(
      serviceError(status.RESOURCE_EXHAUSTED, "slow down", { "retry-after-ms": "250" }),
    );
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(250);
    expect(S2Error.from(serviceError(status.UNAVAILABLE, "x")).retryable).toBe(true);
    expect(S2Error.from(serviceError(status.INVALID_ARGUMENT, "x")).retryable).toBe(false);
  });

  it("turns FAILED_PRECONDITION with an expected seq num into SeqNumMismatchError", () => {
    const error = S2Error.from(
      serviceError(status.FAILED_PRECONDITION, "mismatch", {
        "s2-expected-seq-num": "18446744073709551615",
      }),
    );
    expect(error).toBeInstanceOf(SeqNumMismatchError);
    expect((error as SeqNumMismatchError).expectedSeqNum).toBe(2n ** 64n - 1n);
    expect(error.retryable).toBe(false);
    expect(error.name).toBe("SeqNumMismatchError");
  });

  it("turns FAILED_PRECONDITION with an expected token into FencingTokenMismatchError", () => {
    const error = S2Error.from(
      serviceError(status.FAILED_PRECONDITION, "fenced", {
        "s2-expected-fencing-token": "owner-2",
      }),
    );
    expect(error).toBeInstanceOf(FencingTokenMismatchError);
    expect((error as FencingTokenMismatchError).expectedFencingToken).toBe("owner-2");
  });

  it("returns an S2Error unchanged and wraps anything else as UNKNOWN", () => {
    const original = new S2Error("x", { code: status.INTERNAL });
    expect(S2Error.from(original)).toBe(original);
    const cause = new Error("boom");
    const wrapped = S2Error.from(cause);
    expect(wrapped.code).toBe(status.UNKNOWN);
    expect(wrapped.cause).toBe(cause);
  });

  it("recognises errors from another copy of the package by brand", () => {
    const foreign = new S2Error("x", { code: status.INTERNAL });
    Object.setPrototypeOf(foreign, Error.prototype);
    expect(S2Error.is(foreign)).toBe(true);
    expect(S2Error.is(new Error("x"))).toBe(false);
    expect(S2Error.is(null)).toBe(false);
  });
});
