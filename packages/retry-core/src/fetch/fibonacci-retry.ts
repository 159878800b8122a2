import { durationOption, RetryOptionsBase, type RetryOptionsInit } from "./retry-options-base.js";
import { checkDuration } from "./validate.js";

/** Options of {@link FibonacciRetry}; durations in milliseconds. */
export interface FibonacciRetryInit extends RetryOptionsInit {
  /**
   * Unit of the sequence: pauses are `multiplier` times 2, 3, 5, 8, 13...
   * @default 1000
   */
  multiplier?: number;
  /**
   * Longest pause; also caps the server's `Retry-After`.
   * @default 3000
   */
  maxTimeout?: number;
}

/**
 * Pauses following the Fibonacci sequence: `min(maxTimeout, multiplier * F(attempt + 2))`, i.e.
 * 2, 3, 5, 8... times `multiplier`, the values aiohttp-retry produces for a fresh client.
 *
 * The pause is a pure function of the attempt number: nothing is stored on the options object, so
 * requests sharing it (at once or one after the other) all start from the beginning of the sequence.
 * aiohttp-retry keeps the sequence on the shared object and lets unrelated requests push it up.
 *
 * @example
 * ```ts
 * const options = new FibonacciRetry({ attempts: 5, multiplier: 100, maxTimeout: 1_000 });
 * ```
 */
export class FibonacciRetry extends RetryOptionsBase {
  /** Unit of the sequence (ms). */
  readonly multiplier: number;
  /** Longest pause (ms). */
  readonly maxTimeout: number;

  constructor(init: FibonacciRetryInit = {}) {
    super(init);
    this.multiplier = checkDuration("multiplier", init.multiplier ?? 1_000);
    this.maxTimeout = durationOption("maxTimeout", init.maxTimeout, 3_000);
  }

  override getTimeout(attempt: number, _response?: Response): number {
    if (this.multiplier === 0) return 0;
    let previous = 1;
    let current = 2;
    // Stop as soon as the cap is reached, so a huge attempt number costs nothing and cannot overflow.
    for (let i = 1; i < attempt && this.multiplier * current < this.maxTimeout; i++) {
      [previous, current] = [current, previous + current];
    }
    return Math.min(this.maxTimeout, this.multiplier * current);
  }
}
