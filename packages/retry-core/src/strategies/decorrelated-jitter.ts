import { makeBounds, settle } from "./bounds.js";
import type { DelaySequence, DelayStrategy } from "./delay-strategy.js";
import { randomSourceName, strategyDescription } from "./description.js";
import { draw, type RandomSource } from "./random-source.js";
import {
  optionalMin,
  optionalRandom,
  requireDuration,
  requireOptions,
  requireOrdered,
} from "./validate.js";

/** Options of {@link decorrelatedJitter}. Durations are milliseconds. */
export interface DecorrelatedJitterOptions {
  /** Smallest draw, and the starting point of the walk. */
  base: number;
  /** Largest pause. */
  cap: number;
  /** Smallest pause, applied after the jitter. @default 0 */
  min?: number | null;
  /** Source of uniform numbers in [0, 1). @default Math.random */
  random?: RandomSource;
}

/**
 * "Decorrelated jitter" (AWS architecture blog): each pause is drawn uniformly from
 * `[base, previous * 3]` and capped at `cap` (the first "previous" is `base`); then raised to
 * `min` and rounded.
 *
 * Each call's walk lives in its own sequence. The walk restarts from `base` whenever the attempt
 * number does not increase (a caller that resets its attempt counter). Known trade-offs: pauses
 * tend to pile up at `cap`, and the walk can shrink sharply from one attempt to the next.
 *
 * @example
 * ```ts
 * decorrelatedJitter({ base: 100, cap: 10_000 });
 * ```
 */
export function decorrelatedJitter(options: DecorrelatedJitterOptions): DelayStrategy {
  const where = "decorrelatedJitter()";
  requireOptions(where, options);
  const base = requireDuration(where, "base", options.base);
  const cap = requireDuration(where, "cap", options.cap);
  const min = optionalMin(where, "min", options.min);
  requireOrdered(where, "min", min, "cap", cap);
  const source = optionalRandom(where, options.random);
  const bounds = makeBounds(min, cap);
  const start = Math.min(base, bounds.high);
  const description = strategyDescription("decorrelatedJitter", {
    base,
    cap,
    min,
    random: randomSourceName(options.random),
  });
  return Object.freeze({
    describe: () => description,
    begin(): DelaySequence {
      // `previous` never exceeds the cap, so `previous * 3` stays far from overflow.
      let previous = start;
      let lastAttempt = 0;
      return {
        next(attempt: number): number {
          if (!(attempt > lastAttempt)) previous = start;
          lastAttempt = Math.max(attempt, 0);
          const upper = previous * 3;
          const drawn = start + (upper - start) * draw(source);
          previous = Math.min(drawn, bounds.high);
          return settle(previous, bounds);
        },
      };
    },
  });
}
