import type { DelaySequence, DelayStrategy } from "../strategies/delay-strategy.js";
import { responseOf } from "./retryable-response.js";
import {
  checkBoolean,
  checkCount,
  checkDuration,
  checkFunction,
  checkIterable,
  checkMethod,
  checkStatus,
  describeValue,
  MAX_DELAY,
} from "./validate.js";

/** A class of errors, as `instanceof` takes it (abstract classes welcome). */
export type ErrorClass = abstract new (...args: never[]) => unknown;

/** Decides, after the status check passed, whether a response is acceptable (`true`) or retried. */
export type EvaluateResponse = (response: Response) => boolean | PromiseLike<boolean>;

/**
 * Methods retried by default: the idempotent ones of RFC 9110 §9.2.2 that fetch can send (it refuses
 * TRACE). Sending them twice has the same effect on the server as sending them once, so a retry after
 * a lost response cannot duplicate work.
 */
export const IDEMPOTENT_METHODS: readonly string[] = Object.freeze([
  "GET",
  "HEAD",
  "OPTIONS",
  "PUT",
  "DELETE",
]);

/**
 * Errors retried by default: `TypeError`, which is what `fetch` rejects with when the network fails
 * (refused or reset connection, DNS failure, malformed response). The request is validated before the
 * first attempt, so a TypeError from a bad URL, header or body never reaches the retry loop. Attempt
 * timeouts (`attemptTimeout`) are retried whatever this list says.
 */
export const DEFAULT_EXCEPTIONS: readonly ErrorClass[] = Object.freeze([TypeError]);

/** Statuses retried by default besides every 5xx: 429 Too Many Requests. */
export const DEFAULT_STATUSES: readonly number[] = Object.freeze([429]);

/** Options every retry option class accepts. All durations are milliseconds. */
export interface RetryOptionsInit {
  /**
   * Total number of tries, the first one included (aiohttp-retry's meaning).
   * @default 3
   */
  attempts?: number;
  /**
   * Statuses that are retried, besides every 5xx when `retryAllServerErrors` is true.
   * @default [429]
   */
  statuses?: Iterable<number>;
  /**
   * Error classes whose instances are retried (`instanceof`). Attempt timeouts are always retried.
   * @default [TypeError] (the network errors of fetch)
   */
  exceptions?: Iterable<ErrorClass>;
  /**
   * Retry every status from 500 to 599.
   * @default true
   */
  retryAllServerErrors?: boolean;
  /**
   * Called on a response whose status is not retried; `true` accepts it, `false` retries. It receives
   * a clone, so it may read the body while the response the caller gets stays unread.
   */
  evaluateResponse?: EvaluateResponse;
  /**
   * HTTP methods that may be retried (case-insensitive). Others are sent once.
   * @default ["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]
   */
  methods?: Iterable<string>;
}

/**
 * What every retry option class shares: how many tries, what to retry, and `getTimeout`, the pause
 * before the next try. Subclass it (or one of the five built-in classes) and override `getTimeout` to
 * compute pauses your own way.
 *
 * An options object is immutable and keeps no per-request state, so one instance can serve any number
 * of concurrent requests. It is also a delay strategy of the retry engine (`begin()`), so it can be
 * used as the `pause` of a `Backoff`.
 *
 * @example
 * ```ts
 * // A constant pause, except when the server says how busy it is.
 * class Steady extends RetryOptionsBase {
 *   readonly maxTimeout = 10_000;
 *   override getTimeout(_attempt: number, response?: Response): number {
 *     const busy = Number(response?.headers.get("x-load") ?? 0);
 *     return Math.min(this.maxTimeout, 250 * (1 + busy));
 *   }
 * }
 * const client = new RetryClient({ retryOptions: new Steady({ attempts: 5 }) });
 * ```
 */
export abstract class RetryOptionsBase implements DelayStrategy {
  /** Total number of tries, the first one included. */
  readonly attempts: number;
  /** Statuses that are retried (besides 5xx when `retryAllServerErrors`). */
  readonly statuses: ReadonlySet<number>;
  /** Error classes that are retried. */
  readonly exceptions: readonly ErrorClass[];
  /** Whether every 5xx status is retried. */
  readonly retryAllServerErrors: boolean;
  /** Acceptance test for responses whose status is not retried. */
  readonly evaluateResponse: EvaluateResponse | undefined;
  /** Upper-case methods that may be retried. */
  readonly methods: ReadonlySet<string>;
  /**
   * Longest pause (ms). Caps `getTimeout` in the built-in classes and the server's `Retry-After`.
   */
  abstract readonly maxTimeout: number;

  /**
   * @param init the common options, validated here (a `RangeError` or `TypeError` names the bad one).
   * @param defaultAttempts `attempts` when `init` does not set it (`ListRetry` derives it from its list).
   */
  constructor(init: RetryOptionsInit = {}, defaultAttempts = 3) {
    if (init === null || typeof init !== "object") {
      throw new TypeError(`retry options must be an object, got ${describeValue(init)}`);
    }
    this.attempts = checkCount("attempts", init.attempts ?? defaultAttempts);
    this.statuses = new Set(
      checkIterable<number>("statuses", init.statuses ?? DEFAULT_STATUSES).map((s) =>
        checkStatus("statuses", s),
      ),
    );
    this.exceptions = Object.freeze(
      checkIterable<ErrorClass>("exceptions", init.exceptions ?? DEFAULT_EXCEPTIONS).map((c) =>
        checkFunction<ErrorClass>("exceptions", c),
      ),
    );
    this.retryAllServerErrors = checkBoolean(
      "retryAllServerErrors",
      init.retryAllServerErrors ?? true,
    );
    this.evaluateResponse =
      init.evaluateResponse === undefined
        ? undefined
        : checkFunction<EvaluateResponse>("evaluateResponse", init.evaluateResponse);
    this.methods = new Set(
      checkIterable<string>("methods", init.methods ?? IDEMPOTENT_METHODS).map((m) =>
        checkMethod("methods", m),
      ),
    );
  }

  /**
   * Pause (ms) before the next try, after try number `attempt` (1-based) failed. `response` is that
   * try's response when it failed on a status or `evaluateResponse`, undefined when it threw.
   */
  abstract getTimeout(attempt: number, response?: Response): number;

  /** Whether a response with this status is retried. */
  isRetryableStatus(status: number): boolean {
    return (
      (this.retryAllServerErrors && status >= 500 && status <= 599) || this.statuses.has(status)
    );
  }

  /** Whether a thrown error is retried (attempt timeouts are retried regardless). */
  isRetryableError(error: unknown): boolean {
    return this.exceptions.some((cls) => error instanceof cls);
  }

  /** Whether requests with this method may be retried at all. */
  allowsMethod(method: string): boolean {
    return this.methods.has(method.toUpperCase());
  }

  /**
   * The retry engine's delay-strategy interface: a sequence whose `next(attempt, error)` is
   * `getTimeout(attempt, response)` rounded to whole milliseconds.
   */
  begin(): DelaySequence {
    return { next: (attempt, error) => this.pauseAfter(attempt, responseOf(error)) };
  }

  /** `getTimeout` checked and rounded, so that an override cannot produce a hot loop. */
  pauseAfter(attempt: number, response?: Response): number {
    const timeout = this.getTimeout(attempt, response);
    if (typeof timeout !== "number" || Number.isNaN(timeout) || timeout < 0) {
      throw new RangeError(
        `getTimeout(${attempt}) must return a number of milliseconds >= 0, got ${describeValue(timeout)}`,
      );
    }
    return Math.min(Math.round(timeout), MAX_DELAY);
  }
}

/** Reads a duration option, with its default, validated. */
export function durationOption(name: string, value: number | undefined, fallback: number): number {
  return checkDuration(name, value ?? fallback);
}
