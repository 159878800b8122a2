import { type AttemptOwner, AttemptState, enterAttempt, leaveAttempt } from "./attempt.js";
import type { BackoffStatistics } from "./backoff-options.js";
import type { CircuitBreaker } from "./breaker/circuit-breaker.js";
import type { RetryBudget } from "./budget/retry-budget.js";
import { CallRun, type Retried } from "./call-run.js";
import type { RetryPolicy } from "./policy.js";
import { telemetryWanted } from "./telemetry/probe.js";

/**
 * What the fast path shares between all calls of one Backoff: the context of a first attempt, for
 * functions that ask for it, and the one success handler (chosen once, so that a policy without a
 * budget or a breaker runs none of their code). @internal
 */
export class FirstAttemptOwner implements AttemptOwner {
  readonly policy: RetryPolicy;
  readonly stats: BackoffStatistics;
  /** No time limit, hook or hedging: a call without a signal may take the fast path. */
  readonly untimed: boolean;
  /** `untimed` and no policy-wide signal: `execute` may take the fast path at once. */
  readonly fast: boolean;
  /** Counts a successful first attempt and passes its value on. */
  readonly succeed: (value: unknown) => unknown;
  /** The budget counts calls (a percentage budget; a token bucket does not). */
  readonly countsCalls: boolean;
  /** OpenTelemetry is on for the policy: a call takes the full path while a provider is registered. */
  readonly observed: boolean;
  /** The policy's circuit breaker: a call takes the full path while the circuit is not closed. */
  readonly breaker: CircuitBreaker | undefined;

  constructor(policy: RetryPolicy, stats: BackoffStatistics) {
    this.policy = policy;
    this.stats = stats;
    this.untimed = !policy.timed && policy.hedge === undefined;
    this.fast = this.untimed && policy.signal === undefined;
    const { budget, breaker } = policy;
    // One handler per combination, so that each runs only what its policy needs.
    if (budget === undefined && breaker === undefined) {
      this.succeed = (value) => {
        stats.done++;
        return value;
      };
    } else if (breaker === undefined) {
      this.succeed = (value) => {
        stats.done++;
        (budget as RetryBudget).onSuccess();
        return value;
      };
    } else if (budget === undefined) {
      this.succeed = (value) => {
        stats.done++;
        breaker.passed();
        return value;
      };
    } else {
      this.succeed = (value) => {
        stats.done++;
        budget.onSuccess();
        breaker.passed();
        return value;
      };
    }
    this.countsCalls = budget !== undefined && budget.kind === "percent";
    this.observed = policy.telemetry !== undefined;
    this.breaker = breaker;
  }

  /** The success handler of a first attempt that asked for its context. */
  succeedWith(state: AttemptState): (value: unknown) => unknown {
    const succeed = this.succeed;
    return (value) => {
      state.finish();
      return succeed(value);
    };
  }

  createAttemptState(): AttemptState {
    const clock = this.policy.clock;
    return new AttemptState(clock, 1, undefined, clock.now(), Number.NaN);
  }
}

// The success path: the function is called at once and its outcome observed with one `.then`
// (no `async` frame, no `await`); a failure hands the call over to `CallRun`. Three entries, for
// the three ways a call arrives: `fastCall` with an array (`executeWith`, `retryWith`, calls with
// many arguments), `fastExecute` and `fastMethod` with up to three arguments in parameters.
//
// Why parameters: V8 allocates no array for a rest parameter that is only spread into a call, but
// has to as soon as the array is kept for a retry; values in parameters live in the failure
// handler's context instead, and the array is built only when the attempt fails. Why `fastExecute`
// apart from `fastMethod`: it calls the function directly, and V8 inlines the target of a direct
// call but not of a `call` or `apply`; one function for both, choosing on `this`, measured 1.3×
// the floor for `execute`. `fastExecute` is also written out where the other two share
// `beginFast` and `observeFast`: a few per cent faster so, at the edge of this machine's noise.
// Measured against the floor (`bench/engine.ts`): `execute` 1.4× with the array and `apply`, 1.2×
// like this; the decorators' wrapper 1.5× with the array, 1.3× like this.
//
// Each entry is kept small, every rare branch (telemetry, a circuit not closed, a synchronous
// throw, a function that read its context) a call to a function of its own, so that it stays
// within the optimizing compiler's inlining budget and is inlined into its callers.

/** The most arguments `fastExecute` and `fastMethod` take; calls with more go to `fastCall`. */
export const CARRIED_ARGUMENTS = 3;

/** The fast path for a call whose arguments are in an array. */
export function fastCall(
  first: FirstAttemptOwner,
  thisArg: unknown,
  fn: Retried,
  args: unknown[],
): Promise<unknown> {
  if (!beginFast(first)) return fullCall(first, thisArg, fn, args);
  let pending: unknown;
  try {
    pending = fn.apply(thisArg, args);
  } catch (error) {
    return failedAtOnce(first, thisArg, fn, args, error);
  }
  const state = leaveAttempt();
  if (state !== undefined) return observeWithState(first, thisArg, fn, args, pending, state);
  // The handler is written inline: a closure bound to a name costs a name definition per call
  // under some transpilers (esbuild's keepNames).
  return adopt(pending).then(first.succeed, (error: unknown) =>
    new CallRun(first.policy, first.stats, thisArg, undefined, fn, args).after(error, undefined),
  );
}

/** The fast path for `Backoff.execute`: no `this`, `count` arguments. */
export function fastExecute(
  first: FirstAttemptOwner,
  fn: Retried,
  count: number,
  a0: unknown,
  a1: unknown,
  a2: unknown,
): Promise<unknown> {
  if (
    (first.observed && telemetryWanted()) ||
    (first.breaker !== undefined && !first.breaker.closed)
  ) {
    return fullCall(first, undefined, fn, argumentList(count, a0, a1, a2));
  }
  if (first.countsCalls) (first.policy.budget as RetryBudget).onCall();
  first.stats.attempts++;
  let pending: unknown;
  enterAttempt(first);
  try {
    pending = count === 0 ? fn() : count === 1 ? fn(a0) : count === 2 ? fn(a0, a1) : fn(a0, a1, a2);
  } catch (error) {
    return failedAtOnce(first, undefined, fn, argumentList(count, a0, a1, a2), error);
  }
  const state = leaveAttempt();
  if (state !== undefined) {
    const args = argumentList(count, a0, a1, a2);
    return observeWithState(first, undefined, fn, args, pending, state);
  }
  return adopt(pending).then(
    first.succeed,
    count === 0
      ? resumeWithout(first, undefined, fn)
      : resumeWith(first, undefined, fn, count, a0, a1, a2),
  );
}

/** The fast path for the decorators' wrappers (methods and plain functions): `count` arguments. */
export function fastMethod(
  first: FirstAttemptOwner,
  thisArg: unknown,
  fn: Retried,
  count: number,
  a0: unknown,
  a1: unknown,
  a2: unknown,
): Promise<unknown> {
  if (!beginFast(first)) return fullCall(first, thisArg, fn, argumentList(count, a0, a1, a2));
  let pending: unknown;
  try {
    if (count === 0) pending = fn.call(thisArg);
    else if (count === 1) pending = fn.call(thisArg, a0);
    else if (count === 2) pending = fn.call(thisArg, a0, a1);
    else pending = fn.call(thisArg, a0, a1, a2);
  } catch (error) {
    return failedAtOnce(first, thisArg, fn, argumentList(count, a0, a1, a2), error);
  }
  return observeFast(first, thisArg, fn, pending, count, a0, a1, a2);
}

/**
 * Whether a call may take the fast path; if so, counts it and publishes its first attempt for
 * `currentAttempt()` (end the publication with `leaveAttempt`, also when the function throws).
 */
function beginFast(first: FirstAttemptOwner): boolean {
  // Two property reads (or a counter) when no OpenTelemetry provider is registered; a circuit
  // that is not closed needs the full state machine (probes, refusals).
  if (first.observed && telemetryWanted()) return false;
  if (first.breaker !== undefined && !first.breaker.closed) return false;
  if (first.countsCalls) (first.policy.budget as RetryBudget).onCall();
  first.stats.attempts++;
  enterAttempt(first);
  return true;
}

/** A native promise as it is; anything else (a value, a foreign thenable) adopted. */
function adopt(pending: unknown): Promise<unknown> {
  return pending instanceof Promise ? pending : Promise.resolve(pending);
}

/** Ends the publication of a call with `count` arguments and observes its outcome. */
function observeFast(
  first: FirstAttemptOwner,
  thisArg: unknown,
  fn: Retried,
  pending: unknown,
  count: number,
  a0: unknown,
  a1: unknown,
  a2: unknown,
): Promise<unknown> {
  const state = leaveAttempt();
  if (state !== undefined) {
    const args = argumentList(count, a0, a1, a2);
    return observeWithState(first, thisArg, fn, args, pending, state);
  }
  return adopt(pending).then(
    first.succeed,
    count === 0
      ? resumeWithout(first, thisArg, fn)
      : resumeWith(first, thisArg, fn, count, a0, a1, a2),
  );
}

// The failure handlers of a call with `count` arguments, one per shape, each made in a function of
// its own: the values a closure keeps are copied into a context object when the function that
// makes it starts, so a handler made inline would have all seven copied on every call.

/** Hands a failed call without arguments over to `CallRun`. */
function resumeWithout(
  first: FirstAttemptOwner,
  thisArg: unknown,
  fn: Retried,
): (error: unknown) => Promise<unknown> {
  return (error) =>
    new CallRun(first.policy, first.stats, thisArg, undefined, fn, []).after(error, undefined);
}

/** Hands a failed call with one to three arguments over to `CallRun`. */
function resumeWith(
  first: FirstAttemptOwner,
  thisArg: unknown,
  fn: Retried,
  count: number,
  a0: unknown,
  a1: unknown,
  a2: unknown,
): (error: unknown) => Promise<unknown> {
  return (error) =>
    new CallRun(
      first.policy,
      first.stats,
      thisArg,
      undefined,
      fn,
      argumentList(count, a0, a1, a2),
    ).after(error, undefined);
}

/** The arguments carried in parameters, as the array the rest of the engine takes. */
function argumentList(count: number, a0: unknown, a1: unknown, a2: unknown): unknown[] {
  if (count === 0) return [];
  if (count === 1) return [a0];
  if (count === 2) return [a0, a1];
  return [a0, a1, a2];
}

/** A call the fast path cannot take after all (telemetry wanted, or a circuit not closed). */
function fullCall(
  first: FirstAttemptOwner,
  thisArg: unknown,
  fn: Retried,
  args: unknown[],
): Promise<unknown> {
  const policy = first.policy;
  const observed = policy.telemetry !== undefined && telemetryWanted();
  return new CallRun(policy, first.stats, thisArg, undefined, fn, args).start(observed);
}

/** The fast path's first attempt threw synchronously. */
function failedAtOnce(
  first: FirstAttemptOwner,
  thisArg: unknown,
  fn: Retried,
  args: unknown[],
  error: unknown,
): Promise<unknown> {
  const state = leaveAttempt();
  return new CallRun(first.policy, first.stats, thisArg, undefined, fn, args).after(error, state);
}

/** The fast path's first attempt read its context: the context is finished with the attempt. */
function observeWithState(
  first: FirstAttemptOwner,
  thisArg: unknown,
  fn: Retried,
  args: unknown[],
  pending: unknown,
  state: AttemptState,
): Promise<unknown> {
  return adopt(pending).then(first.succeedWith(state), (error: unknown) =>
    new CallRun(first.policy, first.stats, thisArg, undefined, fn, args).after(error, state),
  );
}
