import * as core from "@retrykit/retry-core";
import * as fetchLayer from "@retrykit/retry-core/fetch";
import { describe, expect, it } from "vitest";

// The curated public surface: a new export is a decision, and an internal one leaking out (the
// engine's run loops, validation helpers) is a bug. Both show up here.
describe("public API", () => {
  it("the main entry point exports exactly the documented values", () => {
    expect(Object.keys(core).sort()).toEqual([
      "Backoff",
      "BrokenCircuitError",
      "CircuitBreaker",
      "Context",
      "DEFAULT_HISTORY_SIZE",
      "MAX_DELAY",
      "ManualClock",
      "RETRY_POLICY_METADATA",
      "Retry",
      "RetryBudget",
      "RetryError",
      "TimeoutError",
      "aioretry",
      "asyncBackoff",
      "asyncRetry",
      "blockingSleep",
      "compilePolicy",
      "constant",
      "currentAttempt",
      "decorrelatedJitter",
      "equalJitter",
      "exponential",
      "fibonacci",
      "fullJitter",
      "linear",
      "linkAbort",
      "list",
      "proportionalJitter",
      "random",
      "retriedMethods",
      "retry",
      "retryHistory",
      "retryPolicyOf",
      "retryWith",
      "seededRandom",
      "silentLogger",
      "sleep",
      "systemClock",
    ]);
  });

  it("the fetch layer is a separate entry point", () => {
    expect(Object.keys(fetchLayer).sort()).toEqual([
      "DEFAULT_EXCEPTIONS",
      "DEFAULT_STATUSES",
      "ExponentialRetry",
      "FibonacciRetry",
      "HttpStatusError",
      "IDEMPOTENT_METHODS",
      "JitterRetry",
      "ListRetry",
      "RandomRetry",
      "RetryClient",
      "RetryOptionsBase",
      "parseHttpDate",
      "parseRetryAfter",
      "parseRetryAfterMs",
    ]);
    expect("RetryClient" in core).toBe(false);
  });
});
