const brokenBrand: unique symbol = Symbol.for("@retrykit/retry-core/BrokenCircuitError");

/**
 * A call refused by an open `CircuitBreaker`: the function was not called. `cause` is the failure
 * that opened the circuit (or, after a failed probe, opened it again); `retryAfter` is how long the
 * circuit stays open from the moment of the refusal, ms.
 *
 * `BrokenCircuitError.is(value)` also recognises instances from another copy of the package.
 *
 * @example
 * ```ts
 * import { Backoff, BrokenCircuitError, CircuitBreaker } from "@retrykit/retry-core";
 * const breaker = new CircuitBreaker({ threshold: 5, halfOpenAfter: 10_000 });
 * const backoff = new Backoff({ maxTries: 3, retryIf: () => true, breaker });
 * try {
 *   await backoff.execute(() => fetch("https://example.com"));
 * } catch (error) {
 *   if (BrokenCircuitError.is(error)) console.log("open for", error.retryAfter, "ms", error.cause);
 * }
 * ```
 */
export class BrokenCircuitError extends Error {
  /** Milliseconds until the circuit lets a probe through (0 when a probe is already running). */
  readonly retryAfter: number;
  /** @internal cross-copy brand */
  readonly [brokenBrand] = true;

  constructor(retryAfter: number, options?: { cause?: unknown }) {
    super(
      retryAfter > 0
        ? `the circuit is open: calls are refused for ${retryAfter} ms more`
        : "the circuit is half-open and its probes are running: call refused",
      options,
    );
    this.name = "BrokenCircuitError";
    this.retryAfter = retryAfter;
  }

  /** True for a `BrokenCircuitError` from any copy of this package. */
  static is(value: unknown): value is BrokenCircuitError {
    return (
      typeof value === "object" &&
      value !== null &&
      (value as { [brokenBrand]?: unknown })[brokenBrand] === true
    );
  }
}
