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

/** Options of {@link fibonacci}. All values are milliseconds. */
export interface FibonacciOptions {
  /** Pause after the first (and the second) failed attempt. */
  initial: number;
  /** Lower bound of every pause. @default 0 */
  min?: number | null;
  /** Upper bound of every pause; growth stops here. @default 2^31-1 */
  max?: number | null;
}

// F(1) .. F(78) are exact in a double; F(79) is the first beyond 2^53.
const EXACT_TERMS = 78;
const exactTerms: number[] = [0, 1, 1];
for (let n = 3; n <= EXACT_TERMS; n++) exactTerms.push(exactTerms[n - 1]! + exactTerms[n - 2]!);
const PHI = (1 + Math.sqrt(5)) / 2;
const SQRT5 = Math.sqrt(5);

/** F(n) exactly where a double can hold it, then Binet's formula (Infinity past n = 1476). */
function fibonacciNumber(n: number): number {
  return n <= EXACT_TERMS ? exactTerms[n]! : PHI ** n / SQRT5;
}

/**
 * A pause following the Fibonacci numbers: `initial * F(attempt)`, i.e. `initial`, `initial`,
 * `2 * initial`, `3 * initial`, `5 * initial`, ...; growth stopped at `max`, then clamped to
 * `[min, max]` and rounded to a whole millisecond. Grows more gently than
 * {@link exponential}: by about 1.618 per step.
 *
 * @example
 * ```ts
 * fibonacci({ initial: 100, max: 1_000 }); // 100, 100, 200, 300, 500, 800, 1000, ...
 * ```
 */
export function fibonacci(options: FibonacciOptions): DelayStrategy {
  const where = "fibonacci()";
  requireOptions(where, options);
  const initial = requireDuration(where, "initial", options.initial);
  const min = optionalMin(where, "min", options.min);
  const max = optionalMax(where, "max", options.max);
  requireOrdered(where, "min", min, "max", max);
  const bounds = makeBounds(min, max);
  return statelessStrategy(
    (attempt) => {
      if (initial === 0) return settle(0, bounds); // avoids 0 * Infinity far out
      const value = initial * fibonacciNumber(attemptIndex(attempt));
      return settle(Math.min(value, bounds.high), bounds);
    },
    strategyDescription("fibonacci", { initial, min, max }),
  );
}
