import { type Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { scrubSecrets } from "./access-token.js";
import { connectionFailureOf, isRetryableCode, retryAfterFrom } from "./retry-table.js";

const BRAND = Symbol.for("@retrykit/s2-client/S2Error");

/** Trailer carrying the next sequence number the stream expected when `matchSeqNum` did not match. */
export const EXPECTED_SEQ_NUM_TRAILER = "s2-expected-seq-num";
/** Trailer carrying the stream's current fencing token when `fencingToken` did not match. */
export const EXPECTED_FENCING_TOKEN_TRAILER = "s2-expected-fencing-token";

/** Options accepted by the {@link S2Error} constructor. */
export interface S2ErrorOptions {
  /** gRPC status code (`status` from `@grpc/grpc-js`). */
  code: number;
  /** Whether retrying the same request may succeed. Defaults to the retry table's answer for `code`. */
  retryable?: boolean;
  /** Server hint, from the `retry-after-ms` trailer, of how long to wait before retrying (ms). */
  retryAfterMs?: number;
  /** The underlying error (for example the grpc-js `ServiceError`). */
  cause?: unknown;
  /** HTTP status of a REST failure. */
  httpStatus?: number;
  /** S2's error code of a REST failure (`"stream_not_found"`, `"transaction_conflict"`, ...). */
  errorCode?: string;
}

/**
 * Every failure of an S2 call: a gRPC status `code`, whether the failure is `retryable`, and the
 * original error as `cause`. The message, stack and cause chain never contain an access token of
 * this process's clients: they are replaced by `<redacted>` when the error is made. Use {@link S2Error.is} rather than `instanceof` when two copies of the
 * package may be loaded.
 *
 * @example
 * ```ts
 * try {
 *   await stream.append({ records, matchSeqNum: 10 });
 * } catch (error) {
 *   if (error instanceof SeqNumMismatchError) console.log("tail is at", error.expectedSeqNum);
 *   else if (S2Error.is(error) && error.code === status.NOT_FOUND) console.log("no such stream");
 *   else throw error;
 * }
 * ```
 */
export class S2Error extends Error {
  override name = "S2Error";
  /** gRPC status code (see `status` in `@grpc/grpc-js`). */
  readonly code: number;
  /** Whether retrying the same request may succeed (it was retried already when retries are on). */
  readonly retryable: boolean;
  /** Server hint of how long to wait before retrying (ms), from the `retry-after-ms` trailer. */
  readonly retryAfterMs: number | undefined;
  /** HTTP status, when the failure came over REST (the `code` is the same as over gRPC). */
  readonly httpStatus: number | undefined;
  /** S2's REST error code (`"stream_not_found"`, ...), when the failure came over REST. */
  readonly errorCode: string | undefined;

  constructor(message: string, options: S2ErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.retryable = options.retryable ?? isRetryableCode(options.code);
    this.retryAfterMs = options.retryAfterMs;
    this.httpStatus = options.httpStatus;
    this.errorCode = options.errorCode;
    Object.defineProperty(this, BRAND, { value: true });
    // No layer below may carry an access token out through a client error: not grpc-js's
    // details, not a server echoing a header, not anything along the cause chain.
    scrubSecrets(this);
  }

  /** Name of {@link S2Error.code}, e.g. `"UNAVAILABLE"`. */
  get codeName(): string {
    return status[this.code] ?? `CODE_${this.code}`;
  }

  /** True for an `S2Error` from any copy of this package. */
  static is(value: unknown): value is S2Error {
    return typeof value === "object" && value !== null && BRAND in value;
  }

  /**
   * Normalises anything thrown by a gRPC call into an `S2Error`: a grpc-js `ServiceError` keeps its
   * code, message and trailers (mismatch trailers give the typed subclasses); an existing `S2Error`
   * is returned unchanged; anything else becomes `UNKNOWN` with the original as `cause`.
   */
  static from(error: unknown): S2Error {
    if (S2Error.is(error)) return error;
    if (isServiceError(error)) return fromServiceError(error);
    const message = error instanceof Error ? error.message : String(error);
    return new S2Error(message, { code: status.UNKNOWN, cause: error });
  }
}

/**
 * An append's `matchSeqNum` did not match the stream's next sequence number
 * (`FAILED_PRECONDITION`, not retryable).
 */
export class SeqNumMismatchError extends S2Error {
  override name = "SeqNumMismatchError";
  /** The sequence number the next appended record will get. */
  readonly expectedSeqNum: bigint;

  constructor(message: string, expectedSeqNum: bigint, cause?: unknown, httpStatus?: number) {
    super(message, { code: status.FAILED_PRECONDITION, retryable: false, cause, httpStatus });
    this.expectedSeqNum = expectedSeqNum;
  }
}

/**
 * An append's `fencingToken` did not match the stream's current fencing token
 * (`FAILED_PRECONDITION`, not retryable).
 */
export class FencingTokenMismatchError extends S2Error {
  override name = "FencingTokenMismatchError";
  /** The stream's current fencing token. */
  readonly expectedFencingToken: string;

  constructor(message: string, expectedFencingToken: string, cause?: unknown, httpStatus?: number) {
    super(message, { code: status.FAILED_PRECONDITION, retryable: false, cause, httpStatus });
    this.expectedFencingToken = expectedFencingToken;
  }
}

function isServiceError(error: unknown): error is ServiceError {
  return (
    error instanceof Error &&
    typeof (error as Partial<ServiceError>).code === "number" &&
    "details" in error &&
    "metadata" in error
  );
}

function firstValue(metadata: Metadata | undefined, key: string): string | undefined {
  const value = metadata?.get(key)[0];
  if (value === undefined) return undefined;
  return typeof value === "string" ? value : new TextDecoder().decode(value);
}

function fromServiceError(error: ServiceError): S2Error {
  const message = error.details || error.message;
  if (error.code === status.FAILED_PRECONDITION) {
    const seqNum = firstValue(error.metadata, EXPECTED_SEQ_NUM_TRAILER);
    if (seqNum !== undefined && /^\d+$/.test(seqNum)) {
      return new SeqNumMismatchError(message, BigInt(seqNum), error);
    }
    const token = firstValue(error.metadata, EXPECTED_FENCING_TOKEN_TRAILER);
    if (token !== undefined) return new FencingTokenMismatchError(message, token, error);
  }
  return new S2Error(message, {
    code: error.code,
    // A stream that grpc-js saw reset or refused is retryable whatever code it was given.
    retryable: isRetryableCode(error.code) || connectionFailureOf(error) !== undefined,
    retryAfterMs: retryAfterFrom(firstValue(error.metadata, "retry-after-ms")),
    cause: error,
  });
}
