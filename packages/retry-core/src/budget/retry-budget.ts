import { type Clock, systemClock } from "../clock.js";
import { describeValue } from "../describe-value.js";
import { SlidingWindow } from "./sliding-window.js";

/** gRPC's retry throttling: a token bucket. */
export interface TokenBucketBudgetOptions {
  /**
   * Size of the bucket, in tokens (0 < maxTokens <= 1000, as in gRPC). It starts full; retries are
   * allowed while more than half of it is left.
   * @default 10
   */
  maxTokens?: number;
  /**
   * Tokens each successful attempt puts back (0 < tokenRatio <= maxTokens; kept to 3 decimal places,
   * as gRPC does).
   * @default 0.1
   */
  tokenRatio?: number;
}

/** Finagle's and Envoy's kind: retries at most `percent` % of recent calls, plus a floor. */
export interface PercentBudgetOptions {
  /** Retries allowed as a percentage of the calls made within the window (0..1000). */
  percent: number;
  /**
   * Retries allowed per second of the window whatever the traffic, so that a quiet client can still
   * retry. @default 10
   */
  minPerSecond?: number;
  /** Length of the sliding window, ms. @default 10_000 */
  window?: number;
  /** Source of time (`ManualClock` in tests). @default systemClock */
  clock?: Clock;
}

/** Options of `RetryBudget`: a token bucket (the default) or a percentage with a floor. */
export type RetryBudgetOptions = TokenBucketBudgetOptions | PercentBudgetOptions;

/** Which rule a budget follows. */
export type RetryBudgetKind = "token-bucket" | "percent";

// Token amounts are kept in thousandths, as integers, so that adding 0.1 ten times is exactly 1.
const MILLI = 1000;

function checkNumber(
  name: string,
  value: unknown,
  min: number,
  max: number,
  open: boolean,
): number {
  if (typeof value !== "number") {
    throw new TypeError(`RetryBudget: ${name} must be a number, got ${describeValue(value)}`);
  }
  if (!Number.isFinite(value) || (open ? value <= min : value < min) || value > max) {
    throw new RangeError(
      `RetryBudget: ${name} must be a number in ${open ? "(" : "["}${min}, ${max}], got ${describeValue(value)}`,
    );
  }
  return value;
}

/**
 * A retry budget shared by any number of policies and calls, so that retries cannot multiply the
 * load on a service that is already failing. Give the same instance to every `Backoff` (or
 * decorator) that calls one service: `{ budget }`.
 *
 * Two kinds:
 * - **Token bucket** (`{ maxTokens, tokenRatio }`, gRPC's retry throttling, the default with 10 and
 *   0.1): the bucket starts full. Every failed attempt that the policy's classifier would retry costs
 *   one token, and then a retry is allowed only while more than `maxTokens / 2` tokens are left;
 *   every successful attempt puts `tokenRatio` back. Tokens stay within [0, maxTokens]. Failures the
 *   policy does not retry cost nothing.
 * - **Percentage with a floor** (`{ percent, minPerSecond, window }`, Finagle's and Envoy's kind):
 *   within a sliding window, retries may number at most `percent` % of the calls plus
 *   `minPerSecond` per second of the window. Failures cost nothing by themselves; retries (and
 *   hedged attempts) are counted. The window moves in tenths: an event counts for between 90 % and
 *   100 % of `window` ms.
 *
 * A refused retry ends the call with the last error and the stop reason `"budget"`; the first
 * attempt of a call is never refused.
 *
 * @example
 * ```ts
 * import { Backoff, RetryBudget } from "@retrykit/retry-core";
 * const budget = new RetryBudget({ maxTokens: 10, tokenRatio: 0.1 }); // gRPC's throttling
 * const reads = new Backoff({ maxTries: 3, retryIf: () => true, budget });
 * const writes = new Backoff({ maxTries: 5, retryIf: () => true, budget }); // the same budget
 * const tenPercent = new RetryBudget({ percent: 10, minPerSecond: 5, window: 10_000 });
 * ```
 */
export class RetryBudget {
  /** Which rule this budget follows. */
  readonly kind: RetryBudgetKind;
  // Token bucket, in thousandths of a token.
  readonly #maxMilli: number;
  readonly #ratioMilli: number;
  #milli: number;
  // Percentage.
  readonly #percent: number;
  readonly #floor: number;
  readonly #window: SlidingWindow | undefined;
  readonly #clock: Clock;

  constructor(options: RetryBudgetOptions = {}) {
    if (options === null || typeof options !== "object") {
      throw new TypeError(`RetryBudget: options must be an object, got ${describeValue(options)}`);
    }
    if ("percent" in options && options.percent !== undefined) {
      for (const key of ["maxTokens", "tokenRatio"] as const) {
        if ((options as TokenBucketBudgetOptions)[key] !== undefined) {
          throw new TypeError(`RetryBudget: ${key} cannot be combined with percent`);
        }
      }
      this.kind = "percent";
      this.#percent = checkNumber("percent", options.percent, 0, 1000, false);
      const minPerSecond = checkNumber("minPerSecond", options.minPerSecond ?? 10, 0, 1e9, false);
      const window = checkNumber("window", options.window ?? 10_000, 0, 2_147_483_647, true);
      this.#floor = (minPerSecond * window) / 1000;
      this.#window = new SlidingWindow(window);
      this.#clock = checkClock(options.clock);
      this.#maxMilli = 0;
      this.#ratioMilli = 0;
      this.#milli = 0;
      return;
    }
    for (const key of ["minPerSecond", "window", "clock"] as const) {
      if ((options as Partial<PercentBudgetOptions>)[key] !== undefined) {
        throw new TypeError(`RetryBudget: ${key} needs percent (a percentage budget)`);
      }
    }
    const bucket = options as TokenBucketBudgetOptions;
    this.kind = "token-bucket";
    const maxTokens = checkNumber("maxTokens", bucket.maxTokens ?? 10, 0, 1000, true);
    const tokenRatio = checkNumber("tokenRatio", bucket.tokenRatio ?? 0.1, 0, maxTokens, true);
    this.#maxMilli = Math.round(maxTokens * MILLI);
    this.#ratioMilli = Math.round(tokenRatio * MILLI);
    if (this.#ratioMilli === 0) {
      throw new RangeError(
        `RetryBudget: tokenRatio must be at least 0.001, got ${describeValue(tokenRatio)}`,
      );
    }
    this.#milli = this.#maxMilli;
    this.#percent = 0;
    this.#floor = 0;
    this.#window = undefined;
    this.#clock = systemClock;
  }

  /**
   * Token bucket: the tokens left (0..maxTokens). Percentage: the retries still allowed in the
   * window right now (may be fractional).
   */
  get tokens(): number {
    const window = this.#window;
    if (window === undefined) return this.#milli / MILLI;
    const now = this.#clock.now();
    return this.#allowance(window, now) - window.sum(now, 1);
  }

  /** Whether a retry would be allowed now (without counting one). */
  get canRetry(): boolean {
    const window = this.#window;
    if (window === undefined) return this.#milli * 2 > this.#maxMilli;
    const now = this.#clock.now();
    return window.sum(now, 1) + 1 <= this.#allowance(window, now);
  }

  /** A call starts (its first attempt). The engine calls this; so may a retry loop of your own. */
  onCall(): void {
    const window = this.#window;
    if (window !== undefined) window.add(this.#clock.now(), 0);
  }

  /** An attempt succeeded: the token bucket gets `tokenRatio` back. */
  onSuccess(): void {
    if (this.#window !== undefined) return;
    const milli = this.#milli + this.#ratioMilli;
    this.#milli = Math.min(milli, this.#maxMilli);
  }

  /** An attempt failed with an error the policy counts as retryable: the token bucket loses a token. */
  onFailure(): void {
    if (this.#window !== undefined) return;
    const milli = this.#milli - MILLI;
    this.#milli = Math.max(milli, 0);
  }

  /**
   * Asks for one retry (or one hedged attempt): `true` and counted, or `false` when the budget is
   * spent. Call `onFailure()` first: gRPC's check comes after the failure's cost.
   */
  tryRetry(): boolean {
    const window = this.#window;
    if (window === undefined) return this.#milli * 2 > this.#maxMilli;
    const now = this.#clock.now();
    if (window.sum(now, 1) + 1 > this.#allowance(window, now)) return false;
    window.add(now, 1);
    return true;
  }

  /** Back to the initial state: a full bucket, or an empty window. */
  reset(): void {
    this.#milli = this.#maxMilli;
    this.#window?.clear();
  }

  #allowance(window: SlidingWindow, now: number): number {
    return this.#floor + (window.sum(now, 0) * this.#percent) / 100;
  }
}

function checkClock(value: unknown): Clock {
  if (value === undefined) return systemClock;
  const clock = value as Clock;
  if (
    value === null ||
    typeof value !== "object" ||
    typeof clock.now !== "function" ||
    typeof clock.setTimeout !== "function" ||
    typeof clock.clearTimeout !== "function"
  ) {
    throw new TypeError(
      `RetryBudget: clock must have now(), setTimeout() and clearTimeout() methods, got ${describeValue(value)}`,
    );
  }
  return clock;
}
