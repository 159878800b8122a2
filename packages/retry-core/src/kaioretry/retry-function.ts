import type { Clock } from "../clock.js";
import type { RetryDecorator } from "../decorators/retry-decorator.js";
import { describeValue } from "../policy.js";
import type { RandomSource } from "../strategies/random-source.js";
import { requireFactor } from "../strategies/validate.js";
import { Context } from "./context.js";
import type { RetryLogger } from "./logger.js";
import {
  Retry,
  type RetryExceptions,
  type RetryObjectOptions,
  type SyncRetryDecorator,
} from "./retry.js";

/**
 * Options of {@link retry} and {@link aioretry}, after the classic Python `retry` decorator.
 * Durations are milliseconds.
 */
export interface RetryOptions {
  /** Error classes to retry; any thrown value when omitted. */
  exceptions?: RetryExceptions;
  /** Total tries, >= 1; `-1` = unlimited. @default -1 */
  tries?: number;
  /** Pause after the first failure. @default 0 */
  delay?: number;
  /** Multiplier of the pause after each failure. @default 1 */
  backoff?: number;
  /**
   * Added to the pause after each failure: a fixed number of ms, or `[min, max]` for a uniform
   * draw each time. @default 0
   */
  jitter?: number | readonly [number, number];
  /** Largest pause; `null` = no limit. @default null */
  maxDelay?: number | null;
  /** Smallest pause. @default 0 */
  minDelay?: number;
  /** Receives the loop lines (`info`) and the failed tries (`warn`). @default silentLogger */
  logger?: RetryLogger;
  /** Source of uniform numbers in [0, 1) for a `[min, max]` jitter. @default Math.random */
  random?: RandomSource;
  /** Source of time for asynchronous pauses. @default systemClock */
  clock?: Clock;
  /** How synchronous pauses block the thread. @default blockingSleep */
  blockingSleep?: (ms: number) => void;
  /** A retry budget shared with other policies (see {@link RetryObjectOptions.budget}). */
  budget?: RetryObjectOptions["budget"];
  /** A circuit breaker shared with other policies (see {@link RetryObjectOptions.breaker}). */
  breaker?: RetryObjectOptions["breaker"];
}

/** An optional finite number of at least `least`; `fallback` when absent. */
function checkNumber(
  where: string,
  name: string,
  value: unknown,
  fallback: number,
  least: number,
): number {
  return value === undefined ? fallback : requireFactor(where, name, value, least);
}

/** `delay * backoff + jitter`, the classic `retry` update, as an `updateDelay` function. */
function classicUpdate(where: string, options: RetryOptions): (delay: number) => number {
  const multiplier = checkNumber(where, "backoff", options.backoff, 1, 0);
  const jitter = options.jitter ?? 0;
  const random = options.random ?? Math.random;
  if (typeof random !== "function") {
    throw new TypeError(`${where}: "random" must be a function, got ${describeValue(random)}`);
  }
  if (typeof jitter === "number") {
    const added = checkNumber(where, "jitter", jitter, 0, Number.NEGATIVE_INFINITY);
    return (delay) => delay * multiplier + added;
  }
  if (!Array.isArray(jitter) || jitter.length !== 2) {
    throw new TypeError(
      `${where}: "jitter" must be a number or a [min, max] pair, got ${describeValue(jitter)}`,
    );
  }
  const low = checkNumber(where, "jitter[0]", jitter[0], 0, Number.NEGATIVE_INFINITY);
  const high = checkNumber(where, "jitter[1]", jitter[1], 0, Number.NEGATIVE_INFINITY);
  if (low > high) {
    throw new RangeError(
      `${where}: "jitter" must be [min, max] with min <= max, got [${low}, ${high}]`,
    );
  }
  return (delay) => delay * multiplier + low + (high - low) * random();
}

/** The budget and breaker of `options`, for the `Retry` object behind the decorator. */
function overloadOptions(options: RetryOptions | undefined): RetryObjectOptions {
  return { budget: options?.budget, breaker: options?.breaker };
}

function contextFor(where: string, options: RetryOptions): Context {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${where}: options must be an object, got ${describeValue(options)}`);
  }
  return new Context({
    tries: options.tries,
    delay: options.delay,
    updateDelay: classicUpdate(where, options),
    minDelay: options.minDelay,
    maxDelay: options.maxDelay,
    logger: options.logger,
    clock: options.clock,
    blockingSleep: options.blockingSleep,
  });
}

/**
 * kaioretry's (and the classic Python `retry` package's) `retry`: a decorator that retries a
 * function **synchronously** when it throws one of `exceptions`. After each failure it waits
 * `delay`, then `delay = delay * backoff + jitter`, clamped to `[minDelay, maxDelay]`. A non-zero
 * pause blocks the thread. For async functions use {@link aioretry}.
 *
 * @example
 * ```ts
 * import { retry } from "@retrykit/retry-core";
 * const readConfig = retry({ exceptions: [SyntaxError], tries: 3, delay: 5, backoff: 2 })(
 *   (text: string) => JSON.parse(text),
 * );
 * ```
 */
export function retry(options: RetryOptions = {}): SyncRetryDecorator {
  return Retry(options?.exceptions, contextFor("retry", options), overloadOptions(options)).retry;
}

/**
 * kaioretry's `aioretry`: as {@link retry}, but the decorated function is asynchronous (it returns
 * a promise even when `fn` does not) and waits without blocking, through the `Backoff` engine.
 *
 * @example
 * ```ts
 * import { aioretry } from "@retrykit/retry-core";
 * const load = aioretry({ exceptions: [TypeError], tries: 5, delay: 100, backoff: 2, jitter: [0, 50], maxDelay: 2_000 })(
 *   async (url: string) => (await fetch(url)).json(),
 * );
 * ```
 */
export function aioretry(options: RetryOptions = {}): RetryDecorator {
  return Retry(options?.exceptions, contextFor("aioretry", options), overloadOptions(options))
    .aioretry;
}
