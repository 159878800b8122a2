import { describeValue } from "./describe-value.js";
import type { RetryHistory } from "./history/call-history.js";

const retryErrorBrand: unique symbol = Symbol.for("@retrykit/retry-core/RetryError");

/**
 * Thrown instead of the last error by a policy with `errors: "aggregate"`: an `AggregateError`
 * holding every attempt's error in attempt order (those the bounded history kept), with the last
 * one as `cause`. `retryHistory(retryError)` gives the call's history, as for the last error.
 *
 * `RetryError.is(value)` recognises instances created by another copy of this package too.
 *
 * @example
 * ```ts
 * import { Backoff, RetryError } from "@retrykit/retry-core";
 * const backoff = new Backoff({ maxTries: 3, retryIf: () => true, errors: "aggregate" });
 * try {
 *   await backoff.execute(async () => { throw new Error("down"); });
 * } catch (error) {
 *   if (RetryError.is(error)) console.log(error.errors.length, error.stopReason); // 3 "max-tries"
 * }
 * ```
 */
export class RetryError extends AggregateError {
  /** Why the call stopped retrying. */
  readonly stopReason: RetryHistory["stopReason"];
  /** Attempts made in all (the errors of omitted attempts are not in `errors`). */
  readonly attempts: number;
  /** @internal cross-copy brand */
  readonly [retryErrorBrand] = true;

  constructor(errors: readonly unknown[], history: RetryHistory, attempts: number) {
    const last = errors.length > 0 ? errors[errors.length - 1] : undefined;
    const omitted = history.omitted > 0 ? ` (${history.omitted} in the middle omitted)` : "";
    super(
      errors,
      `gave up after ${attempts} attempt${attempts === 1 ? "" : "s"} (${history.stopReason})${omitted}: ${messageOf(last)}`,
      { cause: last },
    );
    this.name = "RetryError";
    this.stopReason = history.stopReason;
    this.attempts = attempts;
  }

  /** True for a `RetryError` from any copy of this package. */
  static is(value: unknown): value is RetryError {
    return (
      typeof value === "object" &&
      value !== null &&
      (value as { [retryErrorBrand]?: unknown })[retryErrorBrand] === true
    );
  }
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return describeValue(error);
}
