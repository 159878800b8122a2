// The fetch layer: aiohttp-retry's RetryClient over the global fetch, on the retry-core engine.
// Reachable only as "@retrykit/retry-core/fetch", so the core entry point stays free of it.

// Retry options: what to retry and how long to pause
export { ExponentialRetry, type ExponentialRetryInit } from "./exponential-retry.js";
export { FibonacciRetry, type FibonacciRetryInit } from "./fibonacci-retry.js";
// Server hints
export { parseHttpDate } from "./http-date.js";
// Errors
export { HttpStatusError } from "./http-status-error.js";
export { JitterRetry, type JitterRetryInit } from "./jitter-retry.js";
export { ListRetry, type ListRetryInit } from "./list-retry.js";
export { RandomRetry, type RandomRetryInit } from "./random-retry.js";
export type {
  RequestEndEvent,
  RequestParams,
  RequestStartEvent,
  RequestsInit,
  RetryClientOptions,
  RetryRequestInit,
  RetrySettings,
  TraceContext,
  UrlLike,
} from "./request-types.js";
export { parseRetryAfter, parseRetryAfterMs } from "./retry-after.js";

// The client
export { RetryClient } from "./retry-client.js";
export {
  DEFAULT_EXCEPTIONS,
  DEFAULT_STATUSES,
  type ErrorClass,
  type EvaluateResponse,
  IDEMPOTENT_METHODS,
  RetryOptionsBase,
  type RetryOptionsInit,
} from "./retry-options-base.js";
