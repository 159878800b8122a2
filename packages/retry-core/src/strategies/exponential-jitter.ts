import { attemptIndex, type Bounds, exponentialGrowth, makeBounds, settle } from "./bounds.js";
import type { DelayStrategy } from "./delay-strategy.js";
import { randomSourceName, strategyDescription } from "./description.js";
import { statelessStrategy } from "./from-function.js";
import type { ExponentialJitterOptions } from "./jitter-options.js";
import { draw, type RandomSource } from "./random-source.js";
import {
  optionalMin,
  optionalRandom,
  requireDuration,
  requireFactor,
  requireOptions,
  requireOrdered,
} from "./validate.js";

/**
 * The machinery shared by full and equal jitter: validate, then compute the capped exponential
 * ceiling and hand it with a uniform draw to `spread`, whose result is clamped to `[min, cap]`.
 */
export function exponentialJitter(
  name: string,
  where: string,
  options: ExponentialJitterOptions,
  spread: (ceiling: number, unit: number) => number,
): DelayStrategy {
  requireOptions(where, options);
  const base = requireDuration(where, "base", options.base);
  const factor = requireFactor(where, "factor", options.factor ?? 2, 1);
  const cap = requireDuration(where, "cap", options.cap);
  const min = optionalMin(where, "min", options.min);
  requireOrdered(where, "min", min, "cap", cap);
  const source: RandomSource = optionalRandom(where, options.random);
  const bounds: Bounds = makeBounds(min, cap);
  return statelessStrategy(
    (attempt) => {
      const ceiling = exponentialGrowth(base, factor, attemptIndex(attempt), bounds.high);
      return settle(spread(ceiling, draw(source)), bounds);
    },
    strategyDescription(name, { base, factor, cap, min, random: randomSourceName(options.random) }),
  );
}
