import { status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { S2Error } from "../src/errors.js";
import {
  type AppendRetrySettings,
  RPC_IDEMPOTENCY,
  type Rpc,
  retryAfterFrom,
  retryAfterOf,
  shouldRetry,
} from "../src/retry-table.js";

const on: AppendRetrySettings = { enableAppendRetries: true, appendRetryPolicy: "all" };
const safeOnly: AppendRetrySettings = {
  enableAppendRetries: true,
  appendRetryPolicy: "noSideEffects",
};
const off: AppendRetrySettings = { enableAppendRetries: false, appendRetryPolicy: "all" };
const err = (code: number) => new S2Error("x", { code });
const timeout = Object.assign(new Error("attempt timed out"), { name: "TimeoutError" });

describe("retry table", () => {
  it("declares the idempotency level of every RPC", () => {
    expect(Object.keys(RPC_IDEMPOTENCY)).toHaveLength(18);
    expect(RPC_IDEMPOTENCY.CreateBasin).toBe("IDEMPOTENT");
    expect(RPC_IDEMPOTENCY.ReadSession).toBe("NO_SIDE_EFFECTS");
    expect(RPC_IDEMPOTENCY.IssueAccessToken).toBe("NONE");
    expect(RPC_IDEMPOTENCY.Append).toBe("NONE");
  });

  const safe: Rpc[] = (Object.keys(RPC_IDEMPOTENCY) as Rpc[]).filter(
    (rpc) => RPC_IDEMPOTENCY[rpc] !== "NONE",
  );
  it.each(safe)("%s retries on the four retryable codes and attempt timeouts only", (rpc) => {
    for (const code of [
      status.UNAVAILABLE,
      status.DEADLINE_EXCEEDED,
      status.UNKNOWN,
      status.RESOURCE_EXHAUSTED,
    ]) {
      expect(shouldRetry(rpc, err(code), off)).toBe(true);
    }
    expect(shouldRetry(rpc, timeout, off)).toBe(true);
    for (const code of [
      status.CANCELLED,
      status.INVALID_ARGUMENT,
      status.NOT_FOUND,
      status.ALREADY_EXISTS,
      status.PERMISSION_DENIED,
      status.FAILED_PRECONDITION,
      status.INTERNAL,
      status.UNAUTHENTICATED,
    ]) {
      expect(shouldRetry(rpc, err(code), on)).toBe(false);
    }
  });

  it("never retries bad input or an abort", () => {
    expect(shouldRetry("CheckTail", new RangeError("bad"), on)).toBe(false);
    expect(shouldRetry("CheckTail", new DOMException("aborted", "AbortError"), on)).toBe(false);
    expect(shouldRetry("CheckTail", undefined, on)).toBe(false);
  });

  it("retries IssueAccessToken only when nothing can have happened", () => {
    expect(shouldRetry("IssueAccessToken", err(status.UNAVAILABLE), on)).toBe(false);
    expect(shouldRetry("IssueAccessToken", timeout, on)).toBe(false);
    expect(shouldRetry("IssueAccessToken", err(status.RESOURCE_EXHAUSTED), on)).toBe(true);
  });

  it.each(["Append", "AppendSession"] as const)("%s follows the append settings", (rpc) => {
    expect(shouldRetry(rpc, err(status.UNAVAILABLE), off)).toBe(false);
    expect(shouldRetry(rpc, err(status.RESOURCE_EXHAUSTED), off)).toBe(false);
    expect(shouldRetry(rpc, err(status.UNAVAILABLE), on)).toBe(true);
    expect(shouldRetry(rpc, timeout, on)).toBe(true);
    expect(shouldRetry(rpc, err(status.UNAVAILABLE), safeOnly)).toBe(false);
    expect(shouldRetry(rpc, timeout, safeOnly)).toBe(false);
    expect(shouldRetry(rpc, err(status.RESOURCE_EXHAUSTED), safeOnly)).toBe(true);
    expect(shouldRetry(rpc, err(status.UNAVAILABLE), safeOnly, true)).toBe(true);
    expect(shouldRetry(rpc, err(status.FAILED_PRECONDITION), on)).toBe(false);
  });

  it("parses retry-after-ms hints", () => {
    expect(retryAfterFrom("120")).toBe(120);
    expect(retryAfterFrom(" 7 ")).toBe(7);
    expect(retryAfterFrom("-1")).toBeUndefined();
    expect(retryAfterFrom("1.5")).toBeUndefined();
    expect(retryAfterFrom(undefined)).toBeUndefined();
    expect(
      retryAfterOf(new S2Error("x", { code: status.RESOURCE_EXHAUSTED, retryAfterMs: 40 })),
    ).toBe(40);
    expect(
      retryAfterOf(new S2Error("x", { code: status.NOT_FOUND, retryAfterMs: 40 })),
    ).toBeUndefined();
  });
});
