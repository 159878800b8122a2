import { durationOption, RetryOptionsBase, type RetryOptionsInit } from "./retry-options-base.js";
import { checkPositive } from "./validate.js";

/** Options of {@link ExponentialRetry}; durations in milliseconds. */
export interface ExponentialRetryInit extends RetryOptionsInit {
  /**
   * Pause before the first retry.
   * @default 100
   */
  startTimeout?: number;
  /**
   * Longest pause; also caps the server's `Retry-After`.
   * @default 30000
   */
  maxTimeout?: number;
  /**
   * Growth of the pause from one retry to the next.
   * @default 2
   */
  factor?: number;
}

/**
 * Exponential backoff: `min(maxTimeout, startTimeout * factor ** (attempt - 1))`, i.e. 100, 200,
 * 400 ms... with the defaults. The first retry waits `startTimeout` (aiohttp-retry waits
 * `start_timeout * factor`).
 *
 * @example
 * ```ts
 * const client = new RetryClient({
 *   retryOptions: new ExponentialRetry({ attempts: 5, startTimeout: 200, maxTimeout: 5_000 }),
 * });
 * ```
 */
export class ExponentialRetry extends RetryOptionsBase {
  /** Pause before the first retry (ms). */
  readonly startTimeout: number;
  /** Longest pause (ms). */
  readonly maxTimeout: number;
  /** Growth factor between retries. */
  readonly factor: number;

  constructor(init: ExponentialRetryInit = {}) {
    super(init);
    this.startTimeout = durationOption("startTimeout", init.startTimeout, 100);
    this.maxTimeout = durationOption("maxTimeout", init.maxTimeout, 30_000);
    this.factor = checkPositive("factor", init.factor ?? 2);
  }

  override getTimeout(attempt: number, _response?: Response): number {
    if (this.startTimeout === 0) return 0;
    // Past the cap the power overflows to Infinity (never NaN, since startTimeout > 0): min() copes.
    return Math.min(this.maxTimeout, this.startTimeout * this.factor ** (attempt - 1));
  }
}
