import { attemptIndex, makeBounds, settle } from "./bounds.js";
import type { DelayStrategy } from "./delay-strategy.js";
import { strategyDescription } from "./description.js";
import { statelessStrategy } from "./from-function.js";
import {
  optionalMax,
  optionalMin,
  requireDuration,
  requireOptions,
  requireOrdered,
} from "./validate.js";

/** Options of {@link linear}. All values are milliseconds. */
export interface LinearOptions {
  /** Pause after the first failed attempt. */
  initial: number;
  /** Added to the pause after each further failure. */
  step: number;
  /** Lower bound of every pause. @default 0 */
  min?: number | null;
  /** Upper bound of every pause; growth stops here. @default 2^31-1 */
  max?: number | null;
}

/**
 * A pause growing by a fixed step: `initial + step * (attempt - 1)`, then clamped to
 * `[min, max]` and rounded to a whole millisecond.
 *
 * @example
 * ```ts
 * linear({ initial: 100, step: 50, max: 400 }); // 100, 150, 200, ..., 400, 400
 * ```
 */
export function linear(options: LinearOptions): DelayStrategy {
  const where = "linear()";
  requireOptions(where, options);
  const initial = requireDuration(where, "initial", options.initial);
  const step = requireDuration(where, "step", options.step);
  const min = optionalMin(where, "min", options.min);
  const max = optionalMax(where, "max", options.max);
  requireOrdered(where, "min", min, "max", max);
  const bounds = makeBounds(min, max);
  // Both terms are finite and >= 0, so the sum is at worst Infinity, which settle() caps.
  return statelessStrategy(
    (attempt) => settle(initial + step * (attemptIndex(attempt) - 1), bounds),
    strategyDescription("linear", { initial, step, min, max }),
  );
}
