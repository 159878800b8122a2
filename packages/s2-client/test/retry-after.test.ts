import { status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { FencingTokenMismatchError, SeqNumMismatchError, shouldRetry } from "../src/index.js";
import { codeOfHttpStatus, MAX_RETRY_AFTER_MS, retryAfterFromHeaders } from "../src/retry-table.js";
import { restError } from "../src/transport/rest/rest-errors.js";

const settings = { enableAppendRetries: true, appendRetryPolicy: "noSideEffects" } as const;

describe("REST failures in the one vocabulary", () => {
  it.each([
    [408, undefined, true],
    [429, "rate_limited", true],
    [500, "storage", true],
    [502, "hot_server", true],
    [503, "unavailable", true],
    [504, "upstream_timeout", true],
    [409, "transaction_conflict", true],
    [409, "resource_already_exists", false],
    [400, "bad_json", false],
    [404, "stream_not_found", false],
    [412, undefined, false],
    [422, "invalid", false],
    [499, "client_hangup", false],
    [501, "not_implemented", false],
    [505, undefined, false],
  ])("status %i (%s) is retryable for a read: %s", (httpStatus, code, retryable) => {
    const error = restError(httpStatus, JSON.stringify({ code, message: "m" }));
    expect(error.httpStatus).toBe(httpStatus);
    expect(error.errorCode).toBe(code);
    expect(error.code).toBe(codeOfHttpStatus(httpStatus, code));
    expect(shouldRetry("CheckTail", error, settings)).toBe(retryable);
  });

  it("retries an append under noSideEffects only when nothing can have happened", () => {
    const conflict = restError(409, '{"code":"transaction_conflict","message":"m"}');
    const limited = restError(429, '{"code":"rate_limited","message":"m"}');
    const unavailable = restError(503, '{"code":"unavailable","message":"m"}');
    expect(shouldRetry("Append", conflict, settings)).toBe(true);
    expect(shouldRetry("Append", limited, settings)).toBe(true);
    expect(shouldRetry("Append", unavailable, settings)).toBe(false);
  });

  it("gives the typed mismatch errors their expected value, as over gRPC", () => {
    const seq = restError(412, '{"seq_num_mismatch":42}');
    expect(seq).toBeInstanceOf(SeqNumMismatchError);
    expect((seq as SeqNumMismatchError).expectedSeqNum).toBe(42n);
    expect(seq.code).toBe(status.FAILED_PRECONDITION);
    const fence = restError(412, '{"fencing_token_mismatch":"owner-2"}');
    expect(fence).toBeInstanceOf(FencingTokenMismatchError);
    expect((fence as FencingTokenMismatchError).expectedFencingToken).toBe("owner-2");
  });

  it("keeps a non-JSON body as the message", () => {
    const error = restError(502, "<html>bad gateway</html>");
    expect(error.message).toBe("<html>bad gateway</html>");
    expect(error.code).toBe(status.UNAVAILABLE);
  });
});

describe("retry hints of REST responses", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");

  it("prefers retry-after-ms, then Retry-After in seconds or as an HTTP date, clamped", () => {
    expect(retryAfterFromHeaders("250", "9", now)).toBe(250);
    expect(retryAfterFromHeaders(undefined, "2", now)).toBe(2000);
    expect(retryAfterFromHeaders(null, "Thu, 01 Jan 2026 00:00:03 GMT", now)).toBe(3000);
    expect(retryAfterFromHeaders(null, "Wed, 31 Dec 2025 00:00:00 GMT", now)).toBe(0);
    expect(retryAfterFromHeaders(undefined, "86400", now)).toBe(MAX_RETRY_AFTER_MS);
    expect(retryAfterFromHeaders("99999999", undefined, now)).toBe(MAX_RETRY_AFTER_MS);
    expect(retryAfterFromHeaders("soon", "later", now)).toBeUndefined();
    expect(retryAfterFromHeaders(undefined, undefined, now)).toBeUndefined();
  });

  it("reaches the error of a retryable answer", () => {
    const headers = new Headers({ "retry-after": "1" });
    expect(restError(429, '{"code":"rate_limited","message":"m"}', headers).retryAfterMs).toBe(
      1000,
    );
  });
});
