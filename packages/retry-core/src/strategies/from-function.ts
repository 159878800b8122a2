import type { DelaySequence, DelayStrategy } from "./delay-strategy.js";
import type { DelayStrategyDescription } from "./description.js";

/**
 * Wraps a pure function of the attempt number as a strategy.
 *
 * A pure function needs no per-call state, so every `begin()` hands out the same frozen sequence:
 * no allocation per call, and nothing that two calls could share by mistake.
 */
export function statelessStrategy(
  delayAfter: (attempt: number) => number,
  description: DelayStrategyDescription,
): DelayStrategy {
  const sequence: DelaySequence = Object.freeze({
    next: (attempt: number) => delayAfter(attempt),
  });
  return Object.freeze({ begin: () => sequence, describe: () => description });
}
