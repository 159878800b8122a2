import { status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { EmulatorError } from "../src/emulator-error.js";
import { ERROR_STATUS, RestError, toRestError } from "../src/rest/rest-error.js";

// The model answers in gRPC statuses (it serves v1alpha too); REST maps them to S2 v1's codes.

function mapped(error: unknown, injected = false) {
  const rest = toRestError(error, injected);
  return { status: rest.status, body: rest.body, headers: rest.headers };
}

describe("toRestError", () => {
  it.each([
    [status.INVALID_ARGUMENT, "an append batch must hold 1 to 1000 records", 422, "invalid"],
    [status.INVALID_ARGUMENT, "no basin: send the s2-basin header", 400, "bad_header"],
    [status.NOT_FOUND, 'basin "b" does not exist', 404, "basin_not_found"],
    [status.NOT_FOUND, 'stream "s" does not exist', 404, "stream_not_found"],
    [status.NOT_FOUND, 'access token "t" does not exist', 404, "access_token_not_found"],
    [status.ALREADY_EXISTS, "exists", 409, "resource_already_exists"],
    [status.FAILED_PRECONDITION, 'basin "b" is being deleted', 409, "basin_deletion_pending"],
    [status.FAILED_PRECONDITION, 'stream "s" is being deleted', 409, "stream_deletion_pending"],
    [status.PERMISSION_DENIED, "access token does not permit", 403, "permission_denied"],
    [status.PERMISSION_DENIED, "quota exhausted: at most 100 basins", 403, "quota_exhausted"],
    [status.UNAUTHENTICATED, "invalid access token", 401, "authn"],
    [status.UNAVAILABLE, "down", 503, "unavailable"],
    [status.RESOURCE_EXHAUSTED, "slow down", 429, "rate_limited"],
    [status.DEADLINE_EXCEEDED, "late", 408, "request_timeout"],
    [status.ABORTED, "conflict", 409, "transaction_conflict"],
    [status.UNIMPLEMENTED, "no", 501, "not_implemented"],
    [status.DATA_LOSS, "lost", 500, "storage"],
    [status.INTERNAL, "bug", 500, "other"],
  ])("gRPC %i %j is %i %s", (code, message, httpStatus, errorCode) => {
    expect(mapped(new EmulatorError(code, message))).toEqual({
      status: httpStatus,
      body: { code: errorCode, message },
      headers: {},
    });
    expect(ERROR_STATUS[errorCode]).toBe(httpStatus);
  });

  it("turns append condition failures into the 412 bodies", () => {
    const seq = new EmulatorError(status.FAILED_PRECONDITION, "mismatch", {
      "s2-expected-seq-num": "7",
    });
    expect(mapped(seq)).toMatchObject({ status: 412, body: { seq_num_mismatch: 7 } });
    const fence = new EmulatorError(status.FAILED_PRECONDITION, "mismatch", {
      "s2-expected-fencing-token": "tok",
    });
    expect(mapped(fence)).toMatchObject({ status: 412, body: { fencing_token_mismatch: "tok" } });
  });

  it("maps an injected INTERNAL to storage and keeps retry-after-ms as a header", () => {
    expect(mapped(new EmulatorError(status.INTERNAL, "boom"), true).body).toEqual({
      code: "storage",
      message: "boom",
    });
    const throttled = new EmulatorError(status.RESOURCE_EXHAUSTED, "slow", {
      "retry-after-ms": "50",
    });
    expect(mapped(throttled).headers).toEqual({ "retry-after-ms": "50" });
  });

  it("keeps the cause, and passes RestErrors and unknown throws through", () => {
    const original = new EmulatorError(status.UNAVAILABLE, "down");
    expect(toRestError(original).cause).toBe(original);
    const rest = new RestError(416, { tail: { seq_num: 1, timestamp: 2 } });
    expect(toRestError(rest)).toBe(rest);
    expect(mapped(new TypeError("oops"))).toMatchObject({
      status: 500,
      body: { code: "other", message: "internal error: oops" },
    });
  });
});
