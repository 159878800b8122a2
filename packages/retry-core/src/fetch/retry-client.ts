import { linkAbort } from "../abort-link.js";
import { currentAttempt } from "../attempt.js";
import { Backoff } from "../backoff.js";
import type { BackoffOptions } from "../backoff-options.js";
import type { Clock } from "../clock.js";
import { TimeoutError } from "../errors.js";
import { carryHistory } from "../history/retry-history.js";
import { ExponentialRetry } from "./exponential-retry.js";
import { HttpStatusError } from "./http-status-error.js";
import { httpTelemetry } from "./http-telemetry.js";
import type {
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
import { serverHint } from "./retry-after.js";
import { RetryOptionsBase } from "./retry-options-base.js";
import { RetryableResponse, StopRetrying } from "./retryable-response.js";
import { checkBoolean, checkFunction, describeValue } from "./validate.js";

/** One attempt's request, resolved and validated before the first attempt. */
interface Planned {
  method: string;
  url: string;
  init: RequestInit;
  traceContext: TraceContext;
  /** The body is a stream: it can be sent only once, so this attempt is never retried. */
  once: boolean;
}

const EMPTY_TRACE: TraceContext = Object.freeze({});
/** Methods that may be hedged: they read and change nothing. */
const HEDGEABLE: ReadonlySet<string> = new Set(["GET", "HEAD"]);
const NO_HOOK_ERROR: unique symbol = Symbol("no hook error");

function isStreamBody(body: unknown): boolean {
  if (body === null || typeof body !== "object") return false;
  if (typeof ReadableStream !== "undefined" && body instanceof ReadableStream) return true;
  return Symbol.asyncIterator in body;
}

/** Cancels a response body nobody will read, so its connection goes back to the pool or closes. */
function discard(response: Response): void {
  if (response.body === null || response.bodyUsed) return;
  // cancel() rejects on a locked stream; there is nothing more to do then.
  response.body.cancel().catch(() => {});
}

function checkRetryOptions(value: unknown): RetryOptionsBase | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof RetryOptionsBase)) {
    throw new TypeError(
      `retryOptions must be an ExponentialRetry, RandomRetry, ListRetry, FibonacciRetry, JitterRetry or another RetryOptionsBase, got ${describeValue(value)}`,
    );
  }
  return value;
}

function checkSignal(value: unknown): AbortSignal | undefined {
  if (value === undefined || value === null) return undefined;
  if (!(value instanceof AbortSignal)) {
    throw new TypeError(`signal must be an AbortSignal, got ${describeValue(value)}`);
  }
  return value;
}

/**
 * `fetch` with retries, after aiohttp-retry's `RetryClient`: the same methods, the same retry
 * options, the last response returned as it is when the tries run out on a status, and the last
 * error thrown when they run out on an error. The retry loop is retry-core's `Backoff`.
 *
 * What is retried: network errors (`TypeError` from fetch) and attempt timeouts, every 5xx and 429,
 * and responses `evaluateResponse` rejects; only for idempotent methods unless `methods` says
 * otherwise. `Retry-After` and `retry-after-ms` on 429 and 503 replace the pause, capped by the
 * options' `maxTimeout`. Bodies of retried responses are cancelled before the pause. An AbortSignal
 * ends the request at once and is never retried.
 *
 * @example
 * ```ts
 * import { ExponentialRetry, RetryClient } from "@retrykit/retry-core/fetch";
 *
 * await using client = new RetryClient({
 *   retryOptions: new ExponentialRetry({ attempts: 4, startTimeout: 200 }),
 *   onRequestStart: ({ attempt, attempts, url }) => console.log(`${url}: try ${attempt}/${attempts}`),
 * });
 * const response = await client.get("https://example.com/health");
 * console.log(response.status, await response.text());
 * ```
 */
export class RetryClient implements AsyncDisposable {
  readonly #settings: Required<Pick<RetrySettings, "retryOptions" | "raiseForStatus">> &
    Pick<RetrySettings, "attemptTimeout" | "deadline">;
  readonly #fetch: typeof fetch | undefined;
  readonly #baseUrl: string | undefined;
  readonly #onRequestStart: RetryClientOptions["onRequestStart"];
  readonly #onRequestEnd: RetryClientOptions["onRequestEnd"];
  readonly #clock: Clock | undefined;
  readonly #now: () => number;
  /** Budget, breaker and dispose, given to every request's Backoff. */
  readonly #shared: Pick<BackoffOptions, "budget" | "breaker" | "dispose">;
  readonly #hedge: RetryClientOptions["hedge"];
  /** Aborted by close(): ends every request in flight. */
  readonly #closing = new AbortController();

  constructor(options: RetryClientOptions = {}) {
    if (options === null || typeof options !== "object") {
      throw new TypeError(`RetryClient options must be an object, got ${describeValue(options)}`);
    }
    this.#settings = {
      retryOptions: checkRetryOptions(options.retryOptions) ?? new ExponentialRetry(),
      raiseForStatus: checkBoolean("raiseForStatus", options.raiseForStatus ?? false),
      attemptTimeout: options.attemptTimeout,
      deadline: options.deadline,
    };
    this.#fetch =
      options.fetch === undefined ? undefined : checkFunction<typeof fetch>("fetch", options.fetch);
    if (options.baseUrl !== undefined) {
      try {
        this.#baseUrl = new URL(options.baseUrl).href;
      } catch (error) {
        throw new TypeError(
          `baseUrl must be an absolute URL, got ${describeValue(String(options.baseUrl))}`,
          { cause: error },
        );
      }
    }
    this.#onRequestStart =
      options.onRequestStart === undefined
        ? undefined
        : checkFunction("onRequestStart", options.onRequestStart);
    this.#onRequestEnd =
      options.onRequestEnd === undefined
        ? undefined
        : checkFunction("onRequestEnd", options.onRequestEnd);
    this.#clock = options.clock;
    this.#now = options.now === undefined ? Date.now : checkFunction("now", options.now);
    this.#shared = {
      budget: options.budget,
      breaker: options.breaker,
      // A response nobody will read (a hedge that lost, an attempt abandoned after its timeout).
      dispose: (value) => {
        if (value instanceof Response) discard(value);
      },
    };
    this.#hedge = options.hedge;
    // Fail fast on bad time limits, clock or hooks: Backoff validates them all.
    this.#backoff(this.#settings.retryOptions, { hedge: this.#hedge }, undefined, undefined);
  }

  /** The client's default retry options. */
  get retryOptions(): RetryOptionsBase {
    return this.#settings.retryOptions;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closing.signal.aborted;
  }

  /** GET `url`; a list of URLs means one URL per attempt, the last one repeated. */
  get(url: UrlLike | readonly UrlLike[], init?: RetryRequestInit): Promise<Response> {
    return this.request("GET", url, init);
  }

  /** POST (not retried by default: POST is not idempotent; add it to `methods` to retry it). */
  post(url: UrlLike | readonly UrlLike[], init?: RetryRequestInit): Promise<Response> {
    return this.request("POST", url, init);
  }

  /** PUT `url`. */
  put(url: UrlLike | readonly UrlLike[], init?: RetryRequestInit): Promise<Response> {
    return this.request("PUT", url, init);
  }

  /** PATCH (not retried by default: PATCH is not idempotent). */
  patch(url: UrlLike | readonly UrlLike[], init?: RetryRequestInit): Promise<Response> {
    return this.request("PATCH", url, init);
  }

  /** DELETE `url`. */
  delete(url: UrlLike | readonly UrlLike[], init?: RetryRequestInit): Promise<Response> {
    return this.request("DELETE", url, init);
  }

  /** HEAD `url`. */
  head(url: UrlLike | readonly UrlLike[], init?: RetryRequestInit): Promise<Response> {
    return this.request("HEAD", url, init);
  }

  /** OPTIONS `url`. */
  options(url: UrlLike | readonly UrlLike[], init?: RetryRequestInit): Promise<Response> {
    return this.request("OPTIONS", url, init);
  }

  /**
   * Sends `method` to `url` with retries. `init` is fetch's init plus `retryOptions`,
   * `raiseForStatus`, `attemptTimeout`, `deadline` and `traceContext`, which override the client's.
   */
  async request(
    method: string,
    url: UrlLike | readonly UrlLike[],
    init: RetryRequestInit = {},
  ): Promise<Response> {
    if (init === null || typeof init !== "object") {
      throw new TypeError(`init must be an object, got ${describeValue(init)}`);
    }
    const {
      retryOptions,
      raiseForStatus,
      attemptTimeout,
      deadline,
      signal,
      traceContext,
      ...fetchInit
    } = init;
    const urls = typeof url === "string" || url instanceof URL ? [url] : [...url];
    if (urls.length === 0) throw new RangeError("url must be a URL or a non-empty list of URLs");
    const params = urls.map((u): RequestParams => ({ ...fetchInit, method, url: u }));
    return this.#run(params, {
      retryOptions,
      raiseForStatus,
      attemptTimeout,
      deadline,
      signal,
      traceContext,
    });
  }

  /**
   * Sends one request with different parameters per attempt: attempt n uses `paramsList[n - 1]`,
   * and the last entry is repeated once the list runs out.
   *
   * @example
   * ```ts
   * const response = await client.requests([
   *   { method: "GET", url: "https://primary.example/item" },
   *   { method: "GET", url: "https://replica.example/item", headers: { "x-fallback": "1" } },
   * ]);
   * ```
   */
  requests(paramsList: readonly RequestParams[], init: RequestsInit = {}): Promise<Response> {
    if (!Array.isArray(paramsList) || paramsList.length === 0) {
      return Promise.reject(
        new TypeError(
          `paramsList must be a non-empty array of request params, got ${describeValue(paramsList)}`,
        ),
      );
    }
    return this.#run(paramsList, init);
  }

  /**
   * Ends every request in flight (they reject with an `AbortError`) and refuses new ones. Responses
   * already returned stay readable. Idempotent.
   */
  async close(): Promise<void> {
    if (!this.#closing.signal.aborted) {
      this.#closing.abort(new DOMException("The RetryClient was closed", "AbortError"));
    }
  }

  /** `await using client = new RetryClient()` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #plan(params: readonly RequestParams[], trace: TraceContext): Planned[] {
    return params.map((p, i) => {
      if (p === null || typeof p !== "object") {
        throw new TypeError(`paramsList[${i}] must be an object, got ${describeValue(p)}`);
      }
      // A signal here would outlive the attempt; the request's signal and the engine's own govern.
      const {
        method,
        url,
        traceContext,
        signal: _signal,
        ...init
      } = p as RequestParams & {
        signal?: unknown;
      };
      if (typeof method !== "string") {
        throw new TypeError(`method must be a string, got ${describeValue(method)}`);
      }
      let parsed: URL;
      try {
        parsed = new URL(url, this.#baseUrl);
      } catch (error) {
        throw new TypeError(
          `url must be an absolute URL or relative to baseUrl, got ${describeValue(String(url))}`,
          { cause: error },
        );
      }
      if (parsed.username !== "" || parsed.password !== "") {
        // fetch refuses them too, but its message would repeat the password.
        throw new TypeError(
          `url must not include credentials (user:password@); send them in a header (paramsList[${i}])`,
        );
      }
      const href = parsed.href;
      const once = isStreamBody(init.body);
      // Let the platform reject a bad method, header or body now, before anything is sent, so that
      // the TypeError fetch would throw for it is never mistaken for a network error and retried.
      if (!once) new Request(href, { ...init, method });
      return {
        method,
        url: href,
        init: { ...init, method },
        traceContext: traceContext === undefined ? trace : { ...trace, ...traceContext },
        once,
      };
    });
  }

  #backoff(
    options: RetryOptionsBase,
    hooks: Pick<
      BackoffOptions,
      "retryIf" | "giveup" | "retryAfter" | "onRetry" | "hedge" | "telemetry"
    >,
    attemptTimeout: number | null | undefined,
    deadline: number | null | undefined,
  ): Backoff {
    return new Backoff({
      ...this.#shared,
      maxTries: options.attempts,
      pause: options,
      attemptTimeout: attemptTimeout === undefined ? this.#settings.attemptTimeout : attemptTimeout,
      deadline: deadline === undefined ? this.#settings.deadline : deadline,
      ...(this.#clock === undefined ? {} : { clock: this.#clock }),
      ...hooks,
    });
  }

  async #run(params: readonly RequestParams[], call: RequestsInit): Promise<Response> {
    if (call === null || typeof call !== "object") {
      throw new TypeError(`init must be an object, got ${describeValue(call)}`);
    }
    // Everything is validated before the first byte goes out.
    const options = checkRetryOptions(call.retryOptions) ?? this.#settings.retryOptions;
    const raiseForStatus =
      call.raiseForStatus === undefined
        ? this.#settings.raiseForStatus
        : checkBoolean("raiseForStatus", call.raiseForStatus);
    const callerSignal = checkSignal(call.signal);
    const plan = this.#plan(params, call.traceContext ?? EMPTY_TRACE);
    if (this.#closing.signal.aborted) {
      throw new DOMException("The RetryClient is closed", "InvalidStateError");
    }
    const fetchFn = this.#fetch ?? globalThis.fetch;
    const onRequestStart = this.#onRequestStart;
    const onRequestEnd = this.#onRequestEnd;
    const now = this.#now;

    // Per-request state, shared by the attempt function and the engine's hooks.
    let current: Planned = plan[0]!;
    let started = 0;
    let ended = 0;
    let hookError: unknown = NO_HOOK_ERROR;
    /** The server's hint for a retried response, capped by the options' maxTimeout. */
    const hintFor = (response: Response): number | undefined => {
      const hint = serverHint(response, now);
      return hint === undefined ? undefined : Math.min(hint, options.maxTimeout);
    };
    /** The latest retryable response, to cancel if the call ends without returning it. */
    let lastRetryable: RetryableResponse | undefined;
    const retryable = (response: Response): RetryableResponse =>
      (lastRetryable = new RetryableResponse(response, hintFor(response)));

    // One signal for the whole request: the caller's, the client's close(), or a failed hook.
    const controller = new AbortController();
    const abort = (reason: unknown): void => {
      if (!controller.signal.aborted) controller.abort(reason);
    };
    // Linked for the request's lifetime only, with one listener per signal however many requests
    // share it: once the call ends, the caller's signal holds nothing of it.
    if (callerSignal?.aborted) abort(callerSignal.reason);
    const unlinkCaller = callerSignal === undefined ? undefined : linkAbort(callerSignal, abort);
    const unlinkClose = linkAbort(this.#closing.signal, abort);

    /** Calls onRequestEnd once per attempt; returns what the hook threw, if anything. */
    const end = (
      attempt: number,
      outcome: { response: Response } | { error: unknown },
      willRetry: boolean,
      delay: number | undefined,
    ): unknown => {
      if (attempt <= ended) return NO_HOOK_ERROR;
      ended = attempt;
      if (onRequestEnd === undefined) return NO_HOOK_ERROR;
      const planned = plan[Math.min(attempt, plan.length) - 1]!;
      try {
        const result: unknown = onRequestEnd({
          attempt,
          attempts: options.attempts,
          method: planned.method,
          url: planned.url,
          traceContext: planned.traceContext,
          willRetry,
          delay,
          ...outcome,
        } as RequestEndEvent);
        // Not awaited; a rejected promise must not become an unhandled rejection.
        (result as PromiseLike<unknown> | undefined)?.then?.(undefined, () => {});
        return NO_HOOK_ERROR;
      } catch (error) {
        if (hookError === NO_HOOK_ERROR) hookError = error;
        return error;
      }
    };

    const attempt = async (): Promise<Response> => {
      // Read synchronously, before the first await: the engine publishes it only until then.
      const context = currentAttempt()!;
      const n = context.attempt;
      const planned = plan[Math.min(n, plan.length) - 1]!;
      current = planned;
      started = n;
      if (onRequestStart !== undefined) {
        try {
          await onRequestStart({
            attempt: n,
            attempts: options.attempts,
            method: planned.method,
            url: planned.url,
            init: planned.init,
            traceContext: planned.traceContext,
          } satisfies RequestStartEvent);
        } catch (error) {
          throw new StopRetrying(error);
        }
        // Timed out or aborted while the hook ran: the engine has moved on, send nothing.
        if (context.signal.aborted) throw context.signal.reason;
      }
      // The attempt's signal covers attempt timeout, deadline, the caller's abort and close()
      // until the response is returned. It is the engine's own, made for this attempt: the
      // caller's signal is not handed to fetch, which would keep a listener on it for as long as
      // the response lives.
      const response = await fetchFn(planned.url, { ...planned.init, signal: context.signal });
      if (context.signal.aborted) {
        // The engine already moved on (timeout or abort): this response belongs to nobody.
        discard(response);
        throw context.signal.reason;
      }
      if (options.isRetryableStatus(response.status)) throw retryable(response);
      if (options.evaluateResponse !== undefined) {
        const copy = response.clone();
        let accepted: boolean;
        try {
          accepted = (await options.evaluateResponse(copy)) === true;
        } catch (error) {
          discard(response);
          throw new StopRetrying(error);
        } finally {
          discard(copy);
        }
        if (context.signal.aborted) {
          discard(response);
          throw context.signal.reason;
        }
        if (!accepted) throw retryable(response);
      }
      const failure = end(n, { response }, false, undefined);
      if (failure !== NO_HOOK_ERROR) {
        discard(response);
        throw new StopRetrying(failure);
      }
      return response;
    };

    const backoff = this.#backoff(
      options,
      {
        retryIf: (error) => error instanceof RetryableResponse || options.isRetryableError(error),
        giveup: (error) =>
          error instanceof StopRetrying || current.once || !options.allowsMethod(current.method),
        retryAfter: (error) => (error instanceof RetryableResponse ? error.hint : undefined),
        onRetry: (event) => {
          const error = event.error;
          const failure =
            error instanceof RetryableResponse
              ? end(event.attempt, { response: error.response }, true, event.delay)
              : end(event.attempt, { error }, true, event.delay);
          // The response is done with: free its connection before the pause, not after it.
          if (error instanceof RetryableResponse) {
            error.discarded = true;
            discard(error.response);
          }
          if (failure !== NO_HOOK_ERROR) abort(failure);
        },
        telemetry: httpTelemetry(plan[0]!.method, plan[0]!.url),
        // Hedging sends the same request twice: only for methods without side effects.
        hedge: plan.every((p) => HEDGEABLE.has(p.method.toUpperCase())) ? this.#hedge : undefined,
      },
      call.attemptTimeout,
      call.deadline,
    );

    let response: Response;
    // What the engine threw when it gave up on a status: its history goes to the error made of it.
    let gaveUp: unknown;
    try {
      response = await backoff.executeWith({ signal: controller.signal }, attempt);
    } catch (caught) {
      gaveUp = caught;
      let error = caught;
      if (error instanceof RetryableResponse && error.discarded) {
        // The deadline passed during a later attempt; the engine reports the previous failure, but
        // that response's body is already cancelled, so it cannot be the result.
        const limit = (call.deadline === undefined ? this.#settings.deadline : call.deadline) ?? 0;
        error = new TimeoutError(
          "deadline",
          limit,
          `deadline of ${limit} ms exceeded (the last complete attempt answered HTTP ${error.response.status})`,
        );
        carryHistory(caught, error);
      }
      if (error instanceof RetryableResponse) {
        // Out of tries (or time) on a status: the last response is the result, body unread.
        response = error.response;
        const failure = end(started, { response }, false, undefined);
        if (failure !== NO_HOOK_ERROR) {
          discard(response);
          carryHistory(caught, failure);
          throw failure;
        }
      } else {
        // E.g. a getTimeout override that failed: nobody will read that response.
        if (lastRetryable !== undefined && !lastRetryable.discarded)
          discard(lastRetryable.response);
        const cause = error instanceof StopRetrying ? error.cause : error;
        const failure =
          hookError !== NO_HOOK_ERROR
            ? hookError
            : end(started, { error: cause }, false, undefined);
        const thrown = failure !== NO_HOOK_ERROR ? failure : cause;
        carryHistory(caught, thrown);
        throw thrown;
      }
    } finally {
      unlinkCaller?.();
      unlinkClose();
    }
    if (raiseForStatus && response.status >= 400) {
      const error = new HttpStatusError(response, current.method, current.url);
      carryHistory(gaveUp, error);
      throw error;
    }
    return response;
  }
}
