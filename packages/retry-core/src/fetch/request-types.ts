import type { HedgeOptions } from "../backoff-options.js";
import type { CircuitBreaker } from "../breaker/circuit-breaker.js";
import type { RetryBudget } from "../budget/retry-budget.js";
import type { Clock } from "../clock.js";
import type { RetryOptionsBase } from "./retry-options-base.js";

/** A URL as `fetch` takes it. */
export type UrlLike = string | URL;

/** Free-form data handed to the tracing hooks with every attempt (aiohttp's `trace_request_ctx`). */
export type TraceContext = Readonly<Record<string, unknown>>;

/** What both the client and a single request may set; the request's value wins. */
export interface RetrySettings {
  /** What to retry and how long to pause. @default new ExponentialRetry() */
  retryOptions?: RetryOptionsBase;
  /**
   * Throw an `HttpStatusError` when the final response has a status of 400 or more (after retries).
   * @default false
   */
  raiseForStatus?: boolean;
  /**
   * Time limit of one attempt (ms), up to the response headers; the attempt's fetch is aborted and
   * retried (whatever the method). `null` = none. @default null
   */
  attemptTimeout?: number | null;
  /** Time limit of the whole request, pauses included (ms). `null` = none. @default null */
  deadline?: number | null;
}

/** One attempt's request: a method, a URL and the rest of `fetch`'s init (no `signal`). */
export interface RequestParams extends Omit<RequestInit, "method" | "signal"> {
  /** HTTP method, e.g. `"GET"`. */
  method: string;
  /** Absolute URL, or relative to the client's `baseUrl`. */
  url: UrlLike;
  /** Extra data for the tracing hooks of this attempt, merged over the request's `traceContext`. */
  traceContext?: TraceContext;
}

/** The second argument of `get`, `post`, ...: `fetch`'s init plus per-request retry settings. */
export interface RetryRequestInit extends Omit<RequestInit, "method">, RetrySettings {
  /** Aborts the request at once, pauses included; never retried. */
  signal?: AbortSignal | null;
  /** Extra data for the tracing hooks. */
  traceContext?: TraceContext;
}

/** Per-call settings of `requests([...])`. */
export interface RequestsInit extends RetrySettings {
  /** Aborts the request at once, pauses included; never retried. */
  signal?: AbortSignal | null;
  /** Extra data for the tracing hooks. */
  traceContext?: TraceContext;
}

/** What `onRequestStart` receives, before each attempt's fetch. */
export interface RequestStartEvent {
  /** The attempt now starting, 1-based. */
  attempt: number;
  /** The attempts allowed (`retryOptions.attempts`). */
  attempts: number;
  method: string;
  /** The resolved URL of this attempt. */
  url: string;
  /** The init this attempt's fetch gets (without the signal). */
  init: Readonly<RequestInit>;
  traceContext: TraceContext;
}

/** What `onRequestEnd` receives, once per attempt: its response or its error, and what happens next. */
export type RequestEndEvent = {
  /** The attempt that ended, 1-based. */
  attempt: number;
  attempts: number;
  method: string;
  url: string;
  traceContext: TraceContext;
  /** Whether another attempt follows. */
  willRetry: boolean;
  /** The pause before the next attempt (ms) when `willRetry`, else undefined. */
  delay: number | undefined;
} & (
  | {
      /** The attempt's response (when retried, its body is cancelled right after this hook). */
      response: Response;
      error?: undefined;
    }
  | {
      response?: undefined;
      /** The attempt's error (a network error, a timeout, an abort reason...). */
      error: unknown;
    }
);

/** Options of `new RetryClient(...)`. */
export interface RetryClientOptions extends RetrySettings {
  /** The fetch to call. @default globalThis.fetch (looked up at each request) */
  fetch?: typeof fetch;
  /** Base for relative URLs. */
  baseUrl?: UrlLike;
  /** Called before each attempt's fetch; awaited. Throwing fails the request (not retried). */
  onRequestStart?: (event: RequestStartEvent) => void | PromiseLike<void>;
  /** Called after each attempt; not awaited. Throwing fails the request (not retried). */
  onRequestEnd?: (event: RequestEndEvent) => void;
  /** Source of time for pauses and time limits (tests use a `ManualClock`). @default systemClock */
  clock?: Clock;
  /** Wall-clock time in epoch ms, to turn a `Retry-After` date into a delay. @default Date.now */
  now?: () => number;
  /** A retry budget shared by every request of this client (and anything else given it). */
  budget?: RetryBudget;
  /** A circuit breaker shared by every request of this client (and anything else given it). */
  breaker?: CircuitBreaker;
  /**
   * Hedged attempts for `GET` and `HEAD` requests (other methods are never hedged). The bodies of
   * responses that lose the race are cancelled.
   */
  hedge?: HedgeOptions;
}
