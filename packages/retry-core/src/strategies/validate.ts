import { describeValue } from "../describe-value.js";
import type { RandomSource } from "./random-source.js";

export { describeValue };

/** Throws a TypeError unless `options` is a plain options object. */
export function requireOptions(where: string, options: unknown): void {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${where}: options must be an object, got ${describeValue(options)}`);
  }
}

/** A required duration (ms): a finite number >= 0. */
export function requireDuration(where: string, name: string, value: unknown): number {
  if (typeof value !== "number") {
    throw new TypeError(
      `${where}: "${name}" must be a number of milliseconds, got ${describeValue(value)}`,
    );
  }
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(
      `${where}: "${name}" must be a finite number >= 0, got ${describeValue(value)}`,
    );
  }
  return value;
}

/** An optional lower bound (ms): `undefined`/`null` mean 0. */
export function optionalMin(where: string, name: string, value: unknown): number {
  return value === undefined || value === null ? 0 : requireDuration(where, name, value);
}

/**
 * An optional upper bound (ms): `undefined`, `null` and `Infinity` mean "no limit", which is
 * still {@link MAX_DELAY} in practice.
 */
export function optionalMax(where: string, name: string, value: unknown): number {
  if (value === undefined || value === null || value === Number.POSITIVE_INFINITY) {
    return Number.POSITIVE_INFINITY;
  }
  return requireDuration(where, name, value);
}

/** A multiplier that must be finite and at least `least`. */
export function requireFactor(where: string, name: string, value: unknown, least: number): number {
  if (typeof value !== "number") {
    throw new TypeError(`${where}: "${name}" must be a number, got ${describeValue(value)}`);
  }
  if (!Number.isFinite(value) || value < least) {
    throw new RangeError(
      `${where}: "${name}" must be a finite number >= ${least}, got ${describeValue(value)}`,
    );
  }
  return value;
}

/** An optional random source; `Math.random` when absent. */
export function optionalRandom(where: string, value: unknown): RandomSource {
  if (value === undefined || value === null) return Math.random;
  if (typeof value !== "function") {
    throw new TypeError(
      `${where}: "random" must be a function returning a number in [0, 1), got ${describeValue(value)}`,
    );
  }
  return value as RandomSource;
}

/** Throws a RangeError when a lower bound exceeds its upper bound. */
export function requireOrdered(
  where: string,
  lowName: string,
  low: number,
  highName: string,
  high: number,
): void {
  if (low > high) {
    throw new RangeError(`${where}: "${lowName}" (${low}) must not exceed "${highName}" (${high})`);
  }
}
