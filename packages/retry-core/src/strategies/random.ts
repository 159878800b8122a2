import { makeBounds } from "./bounds.js";
import type { DelayStrategy } from "./delay-strategy.js";
import { randomSourceName, strategyDescription } from "./description.js";
import { statelessStrategy } from "./from-function.js";
import { draw, type RandomSource } from "./random-source.js";
import { optionalRandom, requireDuration, requireOptions, requireOrdered } from "./validate.js";

/** Options of {@link random}. Durations are milliseconds. */
export interface RandomOptions {
  /** Shortest pause (inclusive). */
  min: number;
  /** Longest pause (inclusive). */
  max: number;
  /** Source of uniform numbers in [0, 1). @default Math.random */
  random?: RandomSource;
}

/**
 * A pause drawn uniformly from the whole milliseconds in `[min, max]`, independently of the
 * attempt number.
 *
 * @example
 * ```ts
 * random({ min: 200, max: 800 }); // e.g. 613, 241, 790, ...
 * ```
 */
export function random(options: RandomOptions): DelayStrategy {
  const where = "random()";
  requireOptions(where, options);
  const min = requireDuration(where, "min", options.min);
  const max = requireDuration(where, "max", options.max);
  requireOrdered(where, "min", min, "max", max);
  const source = optionalRandom(where, options.random);
  const { low, high } = makeBounds(min, max);
  const span = high - low + 1;
  return statelessStrategy(
    () => {
      // draw() may return exactly 1 for a misbehaving source; keep the result inside [low, high].
      const offset = Math.floor(draw(source) * span);
      return low + (offset < span ? offset : span - 1);
    },
    strategyDescription("random", { min, max, random: randomSourceName(options.random) }),
  );
}
