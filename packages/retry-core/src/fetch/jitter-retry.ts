import { ExponentialRetry, type ExponentialRetryInit } from "./exponential-retry.js";
import { checkDuration, checkFunction } from "./validate.js";

/** Options of {@link JitterRetry}; durations in milliseconds. */
export interface JitterRetryInit extends ExponentialRetryInit {
  /**
   * Width of the random term added to the exponential pause.
   * @default 2000
   */
  randomIntervalSize?: number;
  /**
   * Source of uniform numbers in [0, 1), injectable for reproducible tests.
   * @default Math.random
   */
  random?: () => number;
}

/**
 * Exponential backoff plus a random term: `min(maxTimeout, exponential + U(0, randomIntervalSize))`.
 * The jitter is inside the cap, so no pause ever exceeds `maxTimeout` (aiohttp-retry adds
 * `uniform(0, 2) ** factor` seconds after capping).
 *
 * @example
 * ```ts
 * const options = new JitterRetry({ attempts: 4, startTimeout: 100, randomIntervalSize: 100 });
 * ```
 */
export class JitterRetry extends ExponentialRetry {
  /** Width of the random term (ms). */
  readonly randomIntervalSize: number;
  /** Uniform source in [0, 1). */
  readonly random: () => number;

  constructor(init: JitterRetryInit = {}) {
    super(init);
    this.randomIntervalSize = checkDuration("randomIntervalSize", init.randomIntervalSize ?? 2_000);
    this.random = checkFunction("random", init.random ?? Math.random);
  }

  override getTimeout(attempt: number, response?: Response): number {
    const exponential = super.getTimeout(attempt, response);
    return Math.min(this.maxTimeout, exponential + this.random() * this.randomIntervalSize);
  }
}
