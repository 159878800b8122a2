import { RetryOptionsBase, type RetryOptionsInit } from "./retry-options-base.js";
import { checkDuration, checkIterable } from "./validate.js";

/** Options of {@link ListRetry}; durations in milliseconds. */
export interface ListRetryInit extends RetryOptionsInit {
  /** Pauses in order: `timeouts[0]` before the first retry, `timeouts[1]` before the second... */
  timeouts: Iterable<number>;
  /**
   * Total tries. When it exceeds `timeouts.length + 1` the last pause repeats.
   * @default timeouts.length + 1 (each pause used once)
   */
  attempts?: number;
  /**
   * Caps the server's `Retry-After` (and any listed pause above it).
   * @default the larger of 30000 and the longest listed pause
   */
  maxTimeout?: number;
}

/**
 * Pauses taken from a list: `timeouts[0]` before the first retry (aiohttp-retry skips it), and the
 * last one repeated if `attempts` asks for more retries than the list holds.
 *
 * @example
 * ```ts
 * const options = new ListRetry({ timeouts: [100, 500, 2_000] }); // 4 tries
 * const same = new ListRetry([100, 500, 2_000]);
 * ```
 */
export class ListRetry extends RetryOptionsBase {
  /** The pauses (ms), in order. */
  readonly timeouts: readonly number[];
  /** Longest pause (ms). */
  readonly maxTimeout: number;

  constructor(init: ListRetryInit | Iterable<number>) {
    const options: ListRetryInit =
      init !== null && typeof init === "object" && Symbol.iterator in init
        ? { timeouts: init }
        : (init as ListRetryInit);
    if (options === null || typeof options !== "object" || options.timeouts === undefined) {
      throw new TypeError("ListRetry needs timeouts: a non-empty list of milliseconds");
    }
    const timeouts = checkIterable<number>("timeouts", options.timeouts).map((t) =>
      checkDuration("timeouts", t),
    );
    if (timeouts.length === 0) {
      throw new RangeError("timeouts must hold at least one pause, got an empty list");
    }
    super(options, timeouts.length + 1);
    this.timeouts = Object.freeze(timeouts);
    this.maxTimeout = checkDuration(
      "maxTimeout",
      options.maxTimeout ?? Math.max(30_000, ...timeouts),
    );
  }

  override getTimeout(attempt: number, _response?: Response): number {
    const index = Math.min(Math.max(attempt, 1), this.timeouts.length) - 1;
    return Math.min(this.timeouts[index]!, this.maxTimeout);
  }
}
