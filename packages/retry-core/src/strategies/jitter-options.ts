import type { RandomSource } from "./random-source.js";

/**
 * Options shared by {@link fullJitter} and {@link equalJitter} (the AWS architecture blog's
 * "Exponential Backoff And Jitter"). Durations are milliseconds.
 */
export interface ExponentialJitterOptions {
  /** Base of the exponential ceiling: the ceiling after the first failure. */
  base: number;
  /** Growth of the ceiling per failure (>= 1). @default 2 */
  factor?: number;
  /** Largest pause; the ceiling stops growing here. */
  cap: number;
  /** Smallest pause, applied after the jitter. @default 0 */
  min?: number | null;
  /** Source of uniform numbers in [0, 1). @default Math.random */
  random?: RandomSource;
}
