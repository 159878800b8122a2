import { FULL_RANGE, makeBounds, settle } from "./bounds.js";
import { constant } from "./constant.js";
import type { DelaySequence, DelayStrategy } from "./delay-strategy.js";
import { randomSourceName, strategyDescription } from "./description.js";
import { draw, type RandomSource } from "./random-source.js";
import {
  describeValue,
  optionalMax,
  optionalMin,
  optionalRandom,
  requireOptions,
  requireOrdered,
} from "./validate.js";

/** Options of {@link proportionalJitter}. */
export interface ProportionalJitterOptions {
  /** Largest relative change, in [0, 1]: 0.2 means each pause is moved by up to ±20 %. @default 0.2 */
  ratio?: number;
  /**
   * `"both"` spreads pauses over `[d * (1 - ratio), d * (1 + ratio)]`; `"up"` only lengthens
   * them, over `[d, d * (1 + ratio)]`. @default "both"
   */
  direction?: "both" | "up";
  /** Smallest pause (ms), applied after the jitter. @default 0 */
  min?: number | null;
  /** Largest pause (ms), applied after the jitter. @default 2^31-1 */
  max?: number | null;
  /** Source of uniform numbers in [0, 1). @default Math.random */
  random?: RandomSource;
}

/**
 * Bounded multiplicative jitter around another strategy (gRPC's ±20 % since 2024, Effect's
 * `jittered`): each pause `d` of `inner` becomes a uniform draw from
 * `[d * (1 - ratio), d * (1 + ratio)]`, then clamped to `[min, max]` and rounded. Unlike
 * {@link fullJitter}, a pause never collapses towards 0.
 *
 * @param inner - The strategy to jitter, or a fixed pause in milliseconds.
 * @example
 * ```ts
 * proportionalJitter(exponential({ initial: 1_000, factor: 1.6, max: 120_000 }), { ratio: 0.2 });
 * ```
 */
export function proportionalJitter(
  inner: DelayStrategy | number,
  options: ProportionalJitterOptions = {},
): DelayStrategy {
  const where = "proportionalJitter()";
  const strategy = typeof inner === "number" ? constant(inner) : inner;
  if (typeof strategy !== "object" || strategy === null || typeof strategy.begin !== "function") {
    throw new TypeError(
      `${where}: "inner" must be a DelayStrategy or a number, got ${describeValue(inner)}`,
    );
  }
  requireOptions(where, options);
  const ratio = options.ratio ?? 0.2;
  if (typeof ratio !== "number" || !(ratio >= 0 && ratio <= 1)) {
    throw new RangeError(
      `${where}: "ratio" must be a number in [0, 1], got ${describeValue(ratio)}`,
    );
  }
  const direction = options.direction ?? "both";
  if (direction !== "both" && direction !== "up") {
    throw new RangeError(
      `${where}: "direction" must be "both" or "up", got ${describeValue(direction)}`,
    );
  }
  const min = optionalMin(where, "min", options.min);
  const max = optionalMax(where, "max", options.max);
  requireOrdered(where, "min", min, "max", max);
  const source = optionalRandom(where, options.random);
  const bounds = options.min == null && options.max == null ? FULL_RANGE : makeBounds(min, max);
  const low = direction === "both" ? 1 - ratio : 1;
  const width = direction === "both" ? 2 * ratio : ratio;
  const description = strategyDescription("proportionalJitter", {
    inner: strategy.describe?.() ?? strategyDescription("custom"),
    ratio,
    direction,
    min,
    max,
    random: randomSourceName(options.random),
  });
  return Object.freeze({
    describe: () => description,
    begin(): DelaySequence {
      const sequence = strategy.begin();
      return {
        next: (attempt: number, error?: unknown) =>
          settle(sequence.next(attempt, error) * (low + width * draw(source)), bounds),
      };
    },
  });
}
