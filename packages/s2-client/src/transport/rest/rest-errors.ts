import { status as grpcStatus } from "@grpc/grpc-js";
import { FencingTokenMismatchError, S2Error, SeqNumMismatchError } from "../../errors.js";
import { codeOfHttpStatus, retryAfterFromHeaders } from "../../retry-table.js";

/** The headers a REST failure's retry hint is read from. @internal */
export interface RetryHintHeaders {
  get(name: string): string | null | undefined;
}

const parse = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/**
 * A REST failure (HTTP status and body: `{code, message}`, or the 412 `AppendConditionFailed`) as
 * an `S2Error` of the one vocabulary: the same class and code as the gRPC transport would give,
 * with the expected value of a mismatch, the HTTP status and S2's error code, and the server's
 * clamped pause hint.
 *
 * @internal
 */
export function restError(
  httpStatus: number,
  bodyText: string,
  headers?: RetryHintHeaders,
  cause?: unknown,
): S2Error {
  const body = parse(bodyText) as Record<string, unknown> | undefined;
  if (httpStatus === 412 && body !== undefined && body !== null) {
    if (typeof body.seq_num_mismatch === "number") {
      return new SeqNumMismatchError(
        `append condition failed: the stream's next sequence number is ${body.seq_num_mismatch}`,
        BigInt(body.seq_num_mismatch),
        cause,
        412,
      );
    }
    if (typeof body.fencing_token_mismatch === "string") {
      return new FencingTokenMismatchError(
        "append condition failed: the fencing token does not match",
        body.fencing_token_mismatch,
        cause,
        412,
      );
    }
  }
  const errorCode = typeof body?.code === "string" ? body.code : undefined;
  const message =
    typeof body?.message === "string" && body.message.length > 0
      ? body.message
      : bodyText.trim().slice(0, 200) || `HTTP ${httpStatus}`;
  const code = codeOfHttpStatus(httpStatus, errorCode);
  return new S2Error(errorCode === undefined ? message : `${errorCode}: ${message}`, {
    code,
    httpStatus,
    errorCode,
    retryAfterMs:
      headers === undefined
        ? undefined
        : retryAfterFromHeaders(headers.get("retry-after-ms"), headers.get("retry-after")),
    cause,
  });
}

/** A failure to reach the server or a broken connection: retryable, as S2's SDK treats it. @internal */
export function connectionError(error: unknown): S2Error {
  if (S2Error.is(error)) return error;
  const cause = (error as { cause?: { code?: string } } | undefined)?.cause;
  const detail = cause?.code ?? (error instanceof Error ? error.message : String(error));
  return new S2Error(`connection failed: ${detail}`, {
    code: grpcStatus.UNAVAILABLE,
    cause: error,
  });
}

/** An attempt that ran out of time. @internal */
export function timeoutError(timeout: number, cause?: unknown): S2Error {
  return new S2Error(`no response within ${timeout} ms`, {
    code: grpcStatus.DEADLINE_EXCEEDED,
    cause,
  });
}
