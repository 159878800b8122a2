import { status } from "@grpc/grpc-js";

/**
 * Every RPC of the S2 v1alpha API, by its gRPC method name.
 */
export type Rpc =
  | "ListBasins"
  | "CreateBasin"
  | "DeleteBasin"
  | "ReconfigureBasin"
  | "GetBasinConfig"
  | "IssueAccessToken"
  | "RevokeAccessToken"
  | "ListAccessTokens"
  | "ListStreams"
  | "CreateStream"
  | "DeleteStream"
  | "GetStreamConfig"
  | "ReconfigureStream"
  | "CheckTail"
  | "Append"
  | "AppendSession"
  | "Read"
  | "ReadSession";

/**
 * What repeating a request can do, as declared by the `idempotency_level` option of each RPC in
 * S2's `.proto`: `NO_SIDE_EFFECTS` (a read), `IDEMPOTENT` (a repeat has no further effect; creates
 * are idempotent because they carry an `s2-request-token`) or `NONE` (a repeat may act twice).
 */
export type IdempotencyLevel = "NO_SIDE_EFFECTS" | "IDEMPOTENT" | "NONE";

/** Which appends may be retried: `"all"` (may duplicate records) or only those that cannot have had an effect. */
export type AppendRetryPolicy = "all" | "noSideEffects";

/** How a retryable status code relates to side effects. */
export interface RetryableCode {
  /** True when the request may have taken effect before the failure (it must not be repeated blindly). */
  readonly mayHaveSideEffect: boolean;
  /** True when the server's `retry-after-ms` trailer sets the pause before the next attempt. */
  readonly honoursRetryAfter: boolean;
}

/** The idempotency level of every RPC (from the `.proto` options). */
export const RPC_IDEMPOTENCY: Readonly<Record<Rpc, IdempotencyLevel>> = Object.freeze({
  ListBasins: "NO_SIDE_EFFECTS",
  CreateBasin: "IDEMPOTENT",
  DeleteBasin: "IDEMPOTENT",
  ReconfigureBasin: "IDEMPOTENT",
  GetBasinConfig: "NO_SIDE_EFFECTS",
  IssueAccessToken: "NONE",
  RevokeAccessToken: "IDEMPOTENT",
  ListAccessTokens: "NO_SIDE_EFFECTS",
  ListStreams: "NO_SIDE_EFFECTS",
  CreateStream: "IDEMPOTENT",
  DeleteStream: "IDEMPOTENT",
  GetStreamConfig: "NO_SIDE_EFFECTS",
  ReconfigureStream: "IDEMPOTENT",
  CheckTail: "NO_SIDE_EFFECTS",
  Append: "NONE",
  AppendSession: "NONE",
  Read: "NO_SIDE_EFFECTS",
  ReadSession: "NO_SIDE_EFFECTS",
});

/**
 * The gRPC status codes worth retrying. `RESOURCE_EXHAUSTED` is S2's throttling answer: the
 * request was refused before it did anything, and the server says when to come back.
 */
export const RETRYABLE_CODES: ReadonlyMap<number, RetryableCode> = new Map([
  [status.UNAVAILABLE, { mayHaveSideEffect: true, honoursRetryAfter: true }],
  [status.DEADLINE_EXCEEDED, { mayHaveSideEffect: true, honoursRetryAfter: false }],
  [status.UNKNOWN, { mayHaveSideEffect: true, honoursRetryAfter: false }],
  [status.RESOURCE_EXHAUSTED, { mayHaveSideEffect: false, honoursRetryAfter: true }],
  // REST's 409 `transaction_conflict`: the transaction was refused, so nothing happened.
  [status.ABORTED, { mayHaveSideEffect: false, honoursRetryAfter: true }],
]);

/**
 * REST v1 answers in the client's one vocabulary: the HTTP status (and, for 409, S2's error code)
 * of a failure as the gRPC status code it stands for. The retryable ones are exactly S2's: 408,
 * 429, 500, 502, 503, 504 and 409 `transaction_conflict`.
 */
export function codeOfHttpStatus(httpStatus: number, errorCode: string | undefined): number {
  switch (httpStatus) {
    case 400:
    case 422:
      return status.INVALID_ARGUMENT;
    case 401:
      return status.UNAUTHENTICATED;
    case 403:
      return status.PERMISSION_DENIED;
    case 404:
      return status.NOT_FOUND;
    case 408:
    case 504:
      return status.DEADLINE_EXCEEDED;
    case 409:
      if (errorCode === "transaction_conflict") return status.ABORTED;
      if (errorCode === "resource_already_exists") return status.ALREADY_EXISTS;
      return status.FAILED_PRECONDITION;
    case 412:
      return status.FAILED_PRECONDITION;
    case 416:
      return status.OUT_OF_RANGE;
    case 429:
      return status.RESOURCE_EXHAUSTED;
    case 499:
      return status.CANCELLED;
    case 500:
      return status.UNKNOWN;
    case 501:
      return status.UNIMPLEMENTED;
    case 502:
    case 503:
      return status.UNAVAILABLE;
    default:
      return httpStatus >= 500 ? status.INTERNAL : status.INVALID_ARGUMENT;
  }
}

/** The longest pause a server's `Retry-After` / `retry-after-ms` hint may impose (ms). */
export const MAX_RETRY_AFTER_MS = 60_000;

/**
 * The pause a REST response asks for: `retry-after-ms` (milliseconds) first, else `Retry-After`
 * (seconds or an HTTP date), clamped to `[0, MAX_RETRY_AFTER_MS]`; undefined when absent or bad.
 */
export function retryAfterFromHeaders(
  retryAfterMs: string | null | undefined,
  retryAfter: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  const clamp = (ms: number) => Math.min(Math.max(0, Math.round(ms)), MAX_RETRY_AFTER_MS);
  const ms = retryAfterFrom(retryAfterMs ?? undefined);
  if (ms !== undefined) return clamp(ms);
  const value = retryAfter?.trim();
  if (!value) return undefined;
  if (/^\d{1,10}$/.test(value)) return clamp(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : clamp(date - now);
}

/** Whether a gRPC status code is retryable at all (for an RPC that may be repeated). */
export function isRetryableCode(code: number): boolean {
  return RETRYABLE_CODES.has(code);
}

/**
 * How a call died with its HTTP/2 connection, told apart by the status grpc-js synthesises (the
 * server sent none): `"notSent"` when the request never reached the server (a stream refused, or
 * one that could not be opened on a connection going away), `"dropped"` when the connection or the
 * stream was torn down mid-call (its outcome on the server is unknown).
 */
export type ConnectionFailure = "notSent" | "dropped";

// grpc-js's details for the statuses it makes up itself (@grpc/grpc-js 1.x, subchannel-call.ts
// and load-balancing-call.ts). A status the server sent keeps its own code and is not matched.
const NOT_SENT = /^(Stream refused by server|Failed to start HTTP\/2 stream\b)/;
const DROPPED = /^(Received RST_STREAM with code \d+|Connection dropped\b)|\bGOAWAY\b/;

/**
 * The connection failure behind `error`, if it is one: only `UNAVAILABLE` and `INTERNAL` statuses
 * whose details are grpc-js's own for a refused, unopened, reset or dropped HTTP/2 stream. Reads
 * `details` (grpc-js errors) or the message (an `S2Error` made from one).
 */
export function connectionFailureOf(error: unknown): ConnectionFailure | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (code !== status.UNAVAILABLE && code !== status.INTERNAL) return undefined;
  const details = (error as { details?: unknown }).details;
  const text = typeof details === "string" ? details : (error as { message?: unknown }).message;
  if (typeof text !== "string") return undefined;
  if (NOT_SENT.test(text)) return "notSent";
  if (DROPPED.test(text)) return "dropped";
  return undefined;
}

/** Settings that decide whether appends (idempotency level `NONE`) are retried. */
export interface AppendRetrySettings {
  /** `false` turns every append retry off (the Python client's `enable_append_retries`). */
  readonly enableAppendRetries: boolean;
  /** Which append failures may be retried when append retries are on. */
  readonly appendRetryPolicy: AppendRetryPolicy;
}

/**
 * The status code a failure stands for, for retry purposes: an `S2Error` or grpc-js error has one;
 * an attempt timeout of the retry engine (`TimeoutError`) counts as `DEADLINE_EXCEEDED`; anything
 * else (bad input, a bug, an abort) has none and is never retried.
 */
export function retryCodeOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  if ((error as Error).name === "TimeoutError") return status.DEADLINE_EXCEEDED;
  if ((error as Error).name === "AbortError") return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === "number" ? code : undefined;
}

/**
 * The one retry decision of the client: may `rpc` be attempted again after `error`?
 *
 * - `NO_SIDE_EFFECTS` and `IDEMPOTENT` RPCs retry on every retryable code.
 * - `IssueAccessToken` (`NONE`) retries only when the code guarantees nothing happened
 *   (`RESOURCE_EXHAUSTED`): a repeat after an ambiguous failure would fail with ALREADY_EXISTS or
 *   mint a second secret.
 * - `Append` / `AppendSession` (`NONE`) follow the append settings: off → never; `"all"` → every
 *   retryable code (a batch may land twice unless it carries `matchSeqNum`); `"noSideEffects"` →
 *   only codes that guarantee nothing happened, or (sessions) when `nothingInFlight` says no
 *   unacknowledged batch had been sent.
 * - A request that never reached the server (see {@link connectionFailureOf}) is retried whatever
 *   its RPC; one whose connection dropped counts as `UNAVAILABLE` (a side effect is possible).
 */
export function shouldRetry(
  rpc: Rpc,
  error: unknown,
  settings: AppendRetrySettings,
  nothingInFlight = false,
): boolean {
  const code = retryCodeOf(error);
  if (code === undefined) return false;
  const rule = ruleFor(code, connectionFailureOf(error));
  if (rule === undefined) return false;
  if (RPC_IDEMPOTENCY[rpc] !== "NONE") return true;
  if (rpc === "Append" || rpc === "AppendSession") {
    if (!settings.enableAppendRetries) return false;
    if (settings.appendRetryPolicy === "all") return true;
    return !rule.mayHaveSideEffect || nothingInFlight;
  }
  return !rule.mayHaveSideEffect;
}

const NOT_SENT_RULE: RetryableCode = { mayHaveSideEffect: false, honoursRetryAfter: false };
const DROPPED_RULE: RetryableCode = { mayHaveSideEffect: true, honoursRetryAfter: false };

/**
 * The retry rule of a failure: a request that never reached the server is retryable with no side
 * effect, and one whose connection was dropped is retryable like `UNAVAILABLE`, whatever code
 * grpc-js gave them (a reset stream comes as `INTERNAL`); otherwise the code's rule.
 */
function ruleFor(code: number, failure: ConnectionFailure | undefined): RetryableCode | undefined {
  if (failure === "notSent") return NOT_SENT_RULE;
  if (failure === "dropped") return RETRYABLE_CODES.get(code) ?? DROPPED_RULE;
  return RETRYABLE_CODES.get(code);
}

/** Whether a failure is retryable at all (for an RPC that may be repeated): its code, or a connection failure. */
export function isRetryableFailure(error: unknown): boolean {
  const code = retryCodeOf(error);
  return code !== undefined && ruleFor(code, connectionFailureOf(error)) !== undefined;
}

/** Parses a `retry-after-ms` value; anything but a non-negative integer is ignored. */
export function retryAfterFrom(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,10}$/.test(value.trim())) return undefined;
  return Math.min(Number(value.trim()), 2 ** 31 - 1);
}

/** The server's pause hint of a failure (ms), when its code honours one. */
export function retryAfterOf(error: unknown): number | undefined {
  const code = retryCodeOf(error);
  if (code === undefined || !RETRYABLE_CODES.get(code)?.honoursRetryAfter) return undefined;
  const hint = (error as { retryAfterMs?: unknown }).retryAfterMs;
  return typeof hint === "number" ? hint : undefined;
}
