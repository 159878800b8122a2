import type { DelayStrategy } from "./delay-strategy.js";
import { exponentialJitter } from "./exponential-jitter.js";
import type { ExponentialJitterOptions } from "./jitter-options.js";

/**
 * "Equal jitter" (AWS architecture blog): with `ceiling = min(cap, base * factor^(attempt - 1))`,
 * a pause of `ceiling / 2` plus a uniform draw from `[0, ceiling / 2]`; then raised to `min` and
 * rounded. Never less than half the ceiling.
 *
 * @example
 * ```ts
 * equalJitter({ base: 100, cap: 10_000 });
 * ```
 */
export function equalJitter(options: ExponentialJitterOptions): DelayStrategy {
  return exponentialJitter("equalJitter", "equalJitter()", options, (ceiling, unit) => {
    const half = ceiling / 2;
    return half + half * unit;
  });
}
