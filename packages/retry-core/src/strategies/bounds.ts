import { MAX_DELAY } from "./delay-strategy.js";

/** Whole-millisecond bounds that every value of a strategy is clamped into. */
export interface Bounds {
  readonly low: number;
  readonly high: number;
}

/**
 * Turns validated `min`/`max` options into whole-millisecond bounds within [0, MAX_DELAY].
 * Rounding the bounds (rather than the value alone) keeps a rounded value inside them.
 */
export function makeBounds(min: number, max: number): Bounds {
  const high = Math.round(Math.min(max, MAX_DELAY));
  const low = Math.min(Math.round(min), high);
  return { low, high };
}

/** The bounds of a strategy with no `min`/`max` options. */
export const FULL_RANGE: Bounds = makeBounds(0, MAX_DELAY);

/**
 * The last step of every strategy: round to a whole millisecond, then clamp into the bounds.
 *
 * NaN cannot come out of the strategies' arithmetic, but should it ever appear we answer with the
 * upper bound: waiting too long is recoverable, a zero-delay hot loop is not.
 */
export function settle(value: number, bounds: Bounds): number {
  if (Number.isNaN(value)) return bounds.high;
  const rounded = Math.round(value);
  return rounded < bounds.low ? bounds.low : Math.min(rounded, bounds.high);
}

/**
 * Normalises the attempt number a sequence is given to an integer >= 1, so that a caller's
 * mistake (0, NaN, a fraction) cannot poison the arithmetic.
 */
export function attemptIndex(attempt: number): number {
  if (!(attempt >= 1)) return 1;
  return attempt < Number.MAX_SAFE_INTEGER ? Math.floor(attempt) : Number.MAX_SAFE_INTEGER;
}

/**
 * `initial * factor^(attempt - 1)`, stopped at `ceiling`.
 *
 * Doubles overflow to Infinity rather than wrapping, and Infinity compares greater than any
 * ceiling, so the comparison alone stops the growth; the only NaN traps (0 * Infinity and
 * 1 ** Infinity) are ruled out before the power is taken.
 */
export function exponentialGrowth(
  initial: number,
  factor: number,
  attempt: number,
  ceiling: number,
): number {
  if (initial === 0) return 0;
  if (initial >= ceiling) return ceiling;
  if (factor === 1) return initial;
  const value = initial * factor ** (attempt - 1);
  return Math.min(value, ceiling);
}
