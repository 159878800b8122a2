import { attemptIndex, makeBounds, settle } from "./bounds.js";
import type { DelayStrategy } from "./delay-strategy.js";
import { strategyDescription } from "./description.js";
import { statelessStrategy } from "./from-function.js";
import {
  describeValue,
  optionalMax,
  optionalMin,
  requireDuration,
  requireOrdered,
} from "./validate.js";

/** Bounds of {@link list}. All values are milliseconds. */
export interface ListOptions {
  /** Lower bound of every pause. @default 0 */
  min?: number | null;
  /** Upper bound of every pause. @default 2^31-1 */
  max?: number | null;
}

/**
 * Explicit pauses: `delays[0]` after the first failed attempt, `delays[1]` after the second, and
 * the last one for every attempt after that. Each is clamped to `[min, max]` and rounded.
 *
 * The array is copied, so changing it later does not change the strategy.
 *
 * @example
 * ```ts
 * list([100, 500, 2_000]); // 100, 500, 2000, 2000, ...
 * ```
 */
export function list(delays: readonly number[], options: ListOptions = {}): DelayStrategy {
  const where = "list()";
  if (!Array.isArray(delays)) {
    throw new TypeError(
      `${where}: "delays" must be an array of milliseconds, got ${describeValue(delays)}`,
    );
  }
  if (delays.length === 0) {
    throw new RangeError(`${where}: "delays" must hold at least one delay, got an empty array`);
  }
  const min = optionalMin(where, "min", options?.min);
  const max = optionalMax(where, "max", options?.max);
  requireOrdered(where, "min", min, "max", max);
  const bounds = makeBounds(min, max);
  const settled = delays.map((delay, index) =>
    settle(requireDuration(where, `delays[${index}]`, delay), bounds),
  );
  const last = settled.length - 1;
  return statelessStrategy(
    (attempt) => settled[Math.min(attemptIndex(attempt) - 1, last)]!,
    strategyDescription("list", { delays: Object.freeze([...settled]), min, max }),
  );
}
