// biome-ignore-all assist/source/organizeImports: the public API is grouped by purpose, not by path
// The engine: aiomisc's Backoff, its options, statistics and events
export { Backoff, type CallOptions } from "./backoff.js";
export type {
  BackoffOptions,
  BackoffStatistics,
  GiveUpEvent,
  HedgeOptions,
  ResumeState,
  RetryEvent,
  StopReason,
} from "./backoff-options.js";

// Overload safety shared across policies: retry budgets and circuit breakers
export {
  type PercentBudgetOptions,
  RetryBudget,
  type RetryBudgetKind,
  type RetryBudgetOptions,
  type TokenBucketBudgetOptions,
} from "./budget/retry-budget.js";
export {
  CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitState,
  type CircuitStateChange,
  type RatioThreshold,
} from "./breaker/circuit-breaker.js";
export { BrokenCircuitError } from "./breaker/broken-circuit-error.js";

// Decorators and wrappers (TC39 standard, legacy experimentalDecorators, plain functions)
export { asyncBackoff } from "./decorators/async-backoff.js";
export { asyncRetry } from "./decorators/async-retry.js";
export type { RetryDecorator } from "./decorators/retry-decorator.js";
export { type RetryWithOptions, retryWith } from "./decorators/retry-with.js";

// Inspecting retried functions and methods, and the metadata decorators store
export {
  RETRY_POLICY_METADATA,
  type RetriedMethodMetadata,
} from "./introspection/metadata.js";
export type {
  FixedPolicyDescription,
  PerInstancePolicyDescription,
  RetriedKind,
  RetryPolicyDescription,
} from "./introspection/policy-description.js";
export { type RetriedMethod, retriedMethods } from "./introspection/retried-methods.js";
export { retryPolicyOf } from "./introspection/retry-policy-of.js";

// The running attempt's own context
export { type AttemptContext, currentAttempt } from "./attempt.js";

// Compiled retry decisions, shared by every retry loop of the package
export { type CompiledHedge, compilePolicy, type RetryPolicy } from "./policy.js";

// Errors
export { TimeoutError, type TimeoutKind } from "./errors.js";
export { RetryError } from "./retry-error.js";

// The failure history of a call
export type {
  AttemptRecord,
  DelayLimit,
  DelaySource,
} from "./history/attempt-record.js";
export {
  DEFAULT_HISTORY_SIZE,
  type HistoryStopReason,
  type RetryHistory,
} from "./history/call-history.js";
export { retryHistory } from "./history/retry-history.js";

// OpenTelemetry (through @opentelemetry/api when a provider is registered)
export type {
  TelemetryAttributes,
  TelemetryOptions,
} from "./telemetry/telemetry-options.js";

// Time: the clock abstraction, an abortable sleep, and a manual clock for tests
export { type Clock, systemClock } from "./clock.js";
export { type SleepOptions, sleep } from "./sleep.js";
export { linkAbort } from "./abort-link.js";
export { ManualClock } from "./testing/manual-clock.js";

// Delay strategies
export * from "./strategies/index.js";

// kaioretry layer: Context, Retry, retry, aioretry
export * from "./kaioretry/index.js";
