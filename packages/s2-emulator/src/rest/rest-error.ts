import { status } from "@grpc/grpc-js";
import { type EmulatorError, toEmulatorError } from "../emulator-error.js";

/**
 * An answer of REST API v1 other than success: an HTTP status and its JSON body, normally S2's
 * `ErrorInfo` `{code, message}` (412 and 416 have their own bodies), plus response headers such as
 * `retry-after-ms`.
 */
export class RestError extends Error {
  override readonly name = "RestError";
  /** HTTP status. */
  readonly status: number;
  /** The JSON body sent. */
  readonly body: unknown;
  /** Extra response headers. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    httpStatus: number,
    body: unknown,
    headers: Record<string, string> = {},
    options?: { cause?: unknown },
  ) {
    const message =
      typeof body === "object" && body !== null && "message" in body
        ? String((body as { message: unknown }).message)
        : JSON.stringify(body);
    super(message, options);
    this.status = httpStatus;
    this.body = body;
    this.headers = headers;
  }
}

/** HTTP status of every S2 v1 error code. */
export const ERROR_STATUS: Readonly<Record<string, number>> = {
  access_token_not_found: 404,
  authn: 401,
  bad_frame: 400,
  bad_header: 400,
  bad_json: 400,
  bad_path: 400,
  bad_proto: 400,
  bad_query: 400,
  basin_deletion_pending: 409,
  basin_not_found: 404,
  client_hangup: 499,
  decryption_failed: 400,
  hot_server: 502,
  invalid: 422,
  not_implemented: 501,
  other: 500,
  permission_denied: 403,
  quota_exhausted: 403,
  rate_limited: 429,
  request_timeout: 408,
  resource_already_exists: 409,
  server_draining: 503,
  storage: 500,
  stream_deletion_pending: 409,
  stream_not_found: 404,
  transaction_conflict: 409,
  unavailable: 503,
  upstream_timeout: 504,
};

/** An `ErrorInfo` error with the code's status. */
export function restError(code: keyof typeof ERROR_STATUS | string, message: string): RestError {
  return new RestError(ERROR_STATUS[code] ?? 500, { code, message });
}

/** 400 `bad_header`. */
export function badHeader(message: string): RestError {
  return restError("bad_header", message);
}

/** 400 `bad_json`. */
export function badJson(message: string): RestError {
  return restError("bad_json", message);
}

/** 400 `bad_query`. */
export function badQuery(message: string): RestError {
  return restError("bad_query", message);
}

/** 422 `invalid`. */
export function invalidInput(message: string): RestError {
  return restError("invalid", message);
}

function notFoundCode(message: string): string {
  if (message.startsWith("basin ")) return "basin_not_found";
  if (message.startsWith("access token")) return "access_token_not_found";
  return "stream_not_found";
}

/**
 * The REST answer for anything a handler threw. The model speaks in gRPC statuses (it serves
 * v1alpha too); this maps each to S2 v1's code and status, and turns the precondition failures
 * of an append into the 412 bodies. `injected` marks a status fault, whose INTERNAL is S2's
 * `storage` error rather than an emulator bug.
 */
export function toRestError(error: unknown, injected = false): RestError {
  if (error instanceof RestError) return error;
  const emulatorError: EmulatorError = toEmulatorError(error);
  const { code, message, trailers } = emulatorError;
  const headers: Record<string, string> = {};
  const retryAfter = trailers["retry-after-ms"];
  if (retryAfter !== undefined) headers["retry-after-ms"] = retryAfter;
  const info = (errorCode: string) =>
    new RestError(ERROR_STATUS[errorCode] ?? 500, { code: errorCode, message }, headers, {
      cause: error,
    });
  switch (code) {
    case status.INVALID_ARGUMENT:
      if (message.startsWith("no basin")) return info("bad_header");
      if (message.startsWith("s2-request-token")) return info("bad_header");
      return info("invalid");
    case status.NOT_FOUND:
      return info(notFoundCode(message));
    case status.ALREADY_EXISTS:
      return info("resource_already_exists");
    case status.FAILED_PRECONDITION: {
      const seq = trailers["s2-expected-seq-num"];
      if (seq !== undefined) {
        return new RestError(412, { seq_num_mismatch: Number(seq) }, headers, { cause: error });
      }
      const fence = trailers["s2-expected-fencing-token"];
      if (fence !== undefined) {
        return new RestError(412, { fencing_token_mismatch: fence }, headers, { cause: error });
      }
      if (message.startsWith("basin ")) return info("basin_deletion_pending");
      if (message.startsWith("stream ")) return info("stream_deletion_pending");
      return info("invalid");
    }
    case status.PERMISSION_DENIED:
      return info(message.startsWith("quota") ? "quota_exhausted" : "permission_denied");
    case status.UNAUTHENTICATED:
      return info("authn");
    case status.UNAVAILABLE:
      return info("unavailable");
    case status.RESOURCE_EXHAUSTED:
      return info("rate_limited");
    case status.DEADLINE_EXCEEDED:
      return info("request_timeout");
    case status.ABORTED:
      return info("transaction_conflict");
    case status.UNIMPLEMENTED:
      return info("not_implemented");
    case status.CANCELLED:
      return info("client_hangup");
    case status.OUT_OF_RANGE:
      return info("invalid");
    case status.DATA_LOSS:
      return info("storage");
    case status.INTERNAL:
      return info(injected ? "storage" : "other");
    default:
      return info("other");
  }
}
