const timeoutBrand: unique symbol = Symbol.for("@retrykit/retry-core/TimeoutError");

/** Which limit fired: one attempt's time limit (also a session's idle timeout), or the overall deadline. */
export type TimeoutKind = "attempt" | "deadline";

/**
 * A time limit of the retry engine fired.
 *
 * `kind: "attempt"` means one attempt ran longer than `attemptTimeout` (or, in a session, no item came
 * within `idleTimeout`); such failures are always retryable. `kind: "deadline"` means the whole call
 * ran out of time before any attempt had failed (after a failure, the deadline rejects with that
 * failure instead, as aiomisc does).
 *
 * `TimeoutError.is(value)` recognises instances created by another copy of this package too.
 *
 * @example
 * ```ts
 * import { Backoff, TimeoutError } from "@retrykit/retry-core";
 * try {
 *   await new Backoff({ deadline: 10 }).execute(() => new Promise(() => {}));
 * } catch (error) {
 *   if (TimeoutError.is(error)) console.log(error.kind, error.timeout); // "deadline" 10
 * }
 * ```
 */
export class TimeoutError extends Error {
  /** Which limit fired. */
  readonly kind: TimeoutKind;
  /** The limit that fired, in milliseconds. */
  readonly timeout: number;
  /** @internal cross-copy brand */
  readonly [timeoutBrand] = true;

  constructor(kind: TimeoutKind, timeout: number, message?: string, options?: { cause?: unknown }) {
    super(
      message ??
        (kind === "attempt"
          ? `attempt timed out after ${timeout} ms`
          : `deadline of ${timeout} ms exceeded`),
      options,
    );
    this.name = "TimeoutError";
    this.kind = kind;
    this.timeout = timeout;
  }

  /** True for a `TimeoutError` from any copy of this package. */
  static is(value: unknown): value is TimeoutError {
    return (
      typeof value === "object" &&
      value !== null &&
      (value as { [timeoutBrand]?: unknown })[timeoutBrand] === true
    );
  }
}
