import { describeValue } from "../describe-value.js";
import { MAX_DELAY } from "../strategies/delay-strategy.js";

export { MAX_DELAY };

/** A duration option in ms: a finite number in [0, 2^31-1]. */
export function checkDuration(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > MAX_DELAY) {
    throw new RangeError(
      `${name} must be a number of milliseconds in [0, ${MAX_DELAY}], got ${describeValue(value)}`,
    );
  }
  return value;
}

/** A finite number strictly greater than zero. */
export function checkPositive(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name} must be a finite number > 0, got ${describeValue(value)}`);
  }
  return value;
}

/** An integer >= 1. */
export function checkCount(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`${name} must be an integer >= 1, got ${describeValue(value)}`);
  }
  return value;
}

export function checkFunction<F>(name: string, value: unknown): F {
  if (typeof value !== "function") {
    throw new TypeError(`${name} must be a function, got ${describeValue(value)}`);
  }
  return value as F;
}

export function checkBoolean(name: string, value: unknown): boolean {
  if (typeof value !== "boolean") {
    throw new TypeError(`${name} must be a boolean, got ${describeValue(value)}`);
  }
  return value;
}

/** Copies an iterable into an array, rejecting strings (iterable, but surely a mistake here). */
export function checkIterable<T>(name: string, value: unknown): T[] {
  if (
    value === null ||
    typeof value !== "object" ||
    typeof (value as Iterable<T>)[Symbol.iterator] !== "function"
  ) {
    throw new TypeError(
      `${name} must be an iterable (an array or a Set), got ${describeValue(value)}`,
    );
  }
  return [...(value as Iterable<T>)];
}

export function checkStatus(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 100 || value > 599) {
    throw new RangeError(
      `${name} must hold HTTP status codes (integers in [100, 599]), got ${describeValue(value)}`,
    );
  }
  return value;
}

/** A token as RFC 9110 allows for a method name. */
const METHOD_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export function checkMethod(name: string, value: unknown): string {
  if (typeof value !== "string" || !METHOD_TOKEN.test(value)) {
    throw new TypeError(`${name} must hold HTTP method names, got ${describeValue(value)}`);
  }
  return value.toUpperCase();
}

export { describeValue };
