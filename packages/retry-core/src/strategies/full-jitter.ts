import type { DelayStrategy } from "./delay-strategy.js";
import { exponentialJitter } from "./exponential-jitter.js";
import type { ExponentialJitterOptions } from "./jitter-options.js";

/**
 * "Full jitter" (AWS architecture blog): a pause drawn uniformly from
 * `[0, min(cap, base * factor^(attempt - 1))]`, then raised to `min` and rounded.
 *
 * The best spread for a herd of clients, but any single pause may be close to 0; see
 * {@link equalJitter} or {@link proportionalJitter} for more predictable pauses.
 *
 * @example
 * ```ts
 * fullJitter({ base: 100, cap: 10_000 });
 * ```
 */
export function fullJitter(options: ExponentialJitterOptions): DelayStrategy {
  return exponentialJitter(
    "fullJitter",
    "fullJitter()",
    options,
    (ceiling, unit) => ceiling * unit,
  );
}
