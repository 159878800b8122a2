import { FULL_RANGE, settle } from "./bounds.js";
import type { DelayStrategy } from "./delay-strategy.js";
import { strategyDescription } from "./description.js";
import { statelessStrategy } from "./from-function.js";
import { requireDuration } from "./validate.js";

/**
 * The same pause after every failed attempt.
 *
 * @param ms - Pause in milliseconds (>= 0; rounded to a whole millisecond, at most 2^31-1).
 * @example
 * ```ts
 * const backoff = new Backoff({ maxTries: 5, pause: constant(250) });
 * ```
 */
export function constant(ms: number): DelayStrategy {
  const delay = settle(requireDuration("constant()", "ms", ms), FULL_RANGE);
  return statelessStrategy(() => delay, strategyDescription("constant", { ms: delay }));
}
