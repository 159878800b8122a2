// Types

// Deterministic strategies
export { constant } from "./constant.js";
// Randomised strategies and jitter
export { type DecorrelatedJitterOptions, decorrelatedJitter } from "./decorrelated-jitter.js";
export type { DelaySequence, DelayStrategy, Pause } from "./delay-strategy.js";
export { MAX_DELAY } from "./delay-strategy.js";
export type { DelayStrategyDescription } from "./description.js";
export { equalJitter } from "./equal-jitter.js";
export { type ExponentialOptions, exponential } from "./exponential.js";
export { type FibonacciOptions, fibonacci } from "./fibonacci.js";
export { fullJitter } from "./full-jitter.js";
export type { ExponentialJitterOptions } from "./jitter-options.js";
export { type LinearOptions, linear } from "./linear.js";
export { type ListOptions, list } from "./list.js";
export { type ProportionalJitterOptions, proportionalJitter } from "./proportional-jitter.js";
export { type RandomOptions, random } from "./random.js";
export type { RandomSource } from "./random-source.js";

// Randomness for tests and demos
export { seededRandom } from "./seeded-random.js";
