import { attemptIndex, exponentialGrowth, makeBounds, settle } from "./bounds.js";
import type { DelayStrategy } from "./delay-strategy.js";
import { strategyDescription } from "./description.js";
import { statelessStrategy } from "./from-function.js";
import {
  optionalMax,
  optionalMin,
  requireDuration,
  requireFactor,
  requireOptions,
  requireOrdered,
} from "./validate.js";

/** Options of {@link exponential}. Durations are milliseconds. */
export interface ExponentialOptions {
  /** Pause after the first failed attempt. */
  initial: number;
  /** Multiplier applied after each further failure (>= 1). @default 2 */
  factor?: number;
  /** Lower bound of every pause. @default 0 */
  min?: number | null;
  /** Upper bound of every pause; growth stops here. @default 2^31-1 */
  max?: number | null;
}

/**
 * A pause multiplied by `factor` after each failure: `initial * factor^(attempt - 1)`, growth
 * stopped at `max`, then clamped to `[min, max]` and rounded to a whole millisecond.
 *
 * Safe at any attempt number: past the cap the value simply stays at the cap.
 *
 * @example
 * ```ts
 * exponential({ initial: 100, max: 1_000 }); // 100, 200, 400, 800, 1000, 1000, ...
 * ```
 */
export function exponential(options: ExponentialOptions): DelayStrategy {
  const where = "exponential()";
  requireOptions(where, options);
  const initial = requireDuration(where, "initial", options.initial);
  const factor = requireFactor(where, "factor", options.factor ?? 2, 1);
  const min = optionalMin(where, "min", options.min);
  const max = optionalMax(where, "max", options.max);
  requireOrdered(where, "min", min, "max", max);
  const bounds = makeBounds(min, max);
  return statelessStrategy(
    (attempt) =>
      settle(exponentialGrowth(initial, factor, attemptIndex(attempt), bounds.high), bounds),
    strategyDescription("exponential", { initial, factor, min, max }),
  );
}
