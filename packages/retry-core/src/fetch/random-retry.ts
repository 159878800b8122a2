import { durationOption, RetryOptionsBase, type RetryOptionsInit } from "./retry-options-base.js";
import { checkFunction } from "./validate.js";

/** Options of {@link RandomRetry}; durations in milliseconds. */
export interface RandomRetryInit extends RetryOptionsInit {
  /**
   * Shortest pause.
   * @default 100
   */
  minTimeout?: number;
  /**
   * Longest pause; also caps the server's `Retry-After`.
   * @default 3000
   */
  maxTimeout?: number;
  /**
   * Source of uniform numbers in [0, 1), injectable for reproducible tests.
   * @default Math.random
   */
  random?: () => number;
}

/**
 * A pause drawn uniformly from `[minTimeout, maxTimeout)` before each retry.
 *
 * @example
 * ```ts
 * const options = new RandomRetry({ attempts: 4, minTimeout: 50, maxTimeout: 500 });
 * ```
 */
export class RandomRetry extends RetryOptionsBase {
  /** Shortest pause (ms). */
  readonly minTimeout: number;
  /** Longest pause (ms). */
  readonly maxTimeout: number;
  /** Uniform source in [0, 1). */
  readonly random: () => number;

  constructor(init: RandomRetryInit = {}) {
    super(init);
    this.minTimeout = durationOption("minTimeout", init.minTimeout, 100);
    this.maxTimeout = durationOption("maxTimeout", init.maxTimeout, 3_000);
    if (this.minTimeout > this.maxTimeout) {
      throw new RangeError(
        `minTimeout must not exceed maxTimeout, got minTimeout ${this.minTimeout} > maxTimeout ${this.maxTimeout}`,
      );
    }
    this.random = checkFunction("random", init.random ?? Math.random);
  }

  override getTimeout(_attempt: number, _response?: Response): number {
    return this.minTimeout + this.random() * (this.maxTimeout - this.minTimeout);
  }
}
