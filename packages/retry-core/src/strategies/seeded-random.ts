import type { RandomSource } from "./random-source.js";
import { describeValue } from "./validate.js";

/**
 * A small, fast, seeded pseudo-random generator (a 32-bit multiply-xorshift mixer in the style
 * of mulberry32) for deterministic tests, simulations and demos.
 *
 * Not cryptographically secure. Two generators made from the same seed produce the same numbers.
 *
 * @param seed - Any finite number; only its low 32 bits (after truncation) matter.
 * @returns A function with the shape of `Math.random`: numbers in [0, 1).
 * @example
 * ```ts
 * const strategy = fullJitter({ base: 100, cap: 10_000, random: seededRandom(42) });
 * ```
 */
export function seededRandom(seed: number): RandomSource {
  if (typeof seed !== "number" || !Number.isFinite(seed)) {
    throw new TypeError(
      `seededRandom(): "seed" must be a finite number, got ${describeValue(seed)}`,
    );
  }
  let state = Math.trunc(seed) >>> 0;
  return () => {
    // Weyl-sequence step: an odd increment visits all 2^32 states before repeating.
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}
