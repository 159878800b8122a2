import { linkAbort } from "./abort-link.js";
import { type AttemptOwner, AttemptState, enterAttempt, leaveAttempt } from "./attempt.js";
import type { BackoffStatistics, StopReason } from "./backoff-options.js";
import {
  ABANDONED,
  type CircuitBreaker,
  FAILED,
  PASSED,
  REFUSED,
  SUCCEEDED,
} from "./breaker/circuit-breaker.js";
import { unrefTimer, yieldToMacrotasks } from "./clock.js";
import { TimeoutError } from "./errors.js";
import { type FirstAttemptOwner, fastCall } from "./fast-call.js";
import { HedgedRun } from "./hedging/hedged-run.js";
import { CallHistory, type HistoryStopReason } from "./history/call-history.js";
import { bindHistory } from "./history/retry-history.js";
import type { RetryPolicy } from "./policy.js";
import { RetryError } from "./retry-error.js";
import type { DelaySequence } from "./strategies/delay-strategy.js";
import { CallTelemetry } from "./telemetry/call-telemetry.js";
import { telemetryWanted } from "./telemetry/probe.js";

/** A retried function, as the engine sees it. @internal */
export type Retried = (this: unknown, ...args: unknown[]) => unknown;

// What the one timer of a call is waiting for.
const PAUSE = 0;
const ATTEMPT_LIMIT = 1;
const DEADLINE_LIMIT = 2;

/** Zero-delay retries in a row after which the engine yields to the macrotask queue once. */
const ZERO_DELAY_BURST = 16;

function ignore(): void {}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as PromiseLike<unknown>).then === "function"
  );
}

/**
 * Runs one call under a policy. Calls without limits, signal or hooks take a fast path: one call
 * of `fn`, one `.then`, no timer, no AbortController, no clock read. Everything else goes through
 * `CallRun`. @internal
 */
export function executeCall(
  policy: RetryPolicy,
  stats: BackoffStatistics,
  first: FirstAttemptOwner,
  thisArg: unknown,
  signal: AbortSignal | undefined,
  fn: Retried,
  args: unknown[],
): Promise<unknown> {
  if (signal === undefined && first.untimed) {
    return fastCall(first, thisArg, fn, args);
  }
  // Two property reads (or a counter) when no OpenTelemetry provider is registered.
  const observed = policy.telemetry !== undefined && telemetryWanted();
  if (policy.hedge !== undefined) {
    const telemetry = observed
      ? CallTelemetry.begin(policy.telemetry!, fn.name, thisArg, args)
      : undefined;
    return new HedgedRun(policy, stats, thisArg, signal, fn, args).start(telemetry);
  }
  return new CallRun(policy, stats, thisArg, signal, fn, args).start(observed);
}

/**
 * The state machine of one call: attempts, the one timer (attempt limit or pause), the caller's
 * signal, and a latch so that nothing happens once the call has settled. @internal
 */
export class CallRun implements AttemptOwner {
  readonly #policy: RetryPolicy;
  readonly #stats: BackoffStatistics;
  readonly #thisArg: unknown;
  readonly #signal: AbortSignal | undefined;
  readonly #fn: Retried;
  readonly #args: unknown[];
  #resolve: (value: unknown) => void = ignore;
  #reject: (error: unknown) => void = ignore;
  /** Clock reading at the call's start; NaN while the call is not timed. */
  #startedAt = Number.NaN;
  /** Absolute end of the running attempt's time limit; NaN when unbounded. */
  #endsAt = Number.NaN;
  #attempt = 0;
  /** Identifies the running attempt; outcomes of abandoned attempts carry an older token. */
  #token = 0;
  #settled = false;
  #hasLastError = false;
  #lastError: unknown = undefined;
  #sequence: DelaySequence | undefined = undefined;
  #state: AttemptState | undefined = undefined;
  #timer: unknown = undefined;
  #timerKind = PAUSE;
  #zeroDelays = 0;
  /** Unlinks the call from its signal's shared abort listener, while linked. */
  #unlink: (() => void) | undefined = undefined;
  /** Clock reading at the running attempt's start; NaN when not measured. */
  #attemptStart = Number.NaN;
  /** The call's failure history, created at its first failure (or at its start, when observed). */
  #history: CallHistory | undefined = undefined;
  /** The call's span and metrics, when an OpenTelemetry provider is registered. */
  #telemetry: CallTelemetry | undefined = undefined;
  /** The circuit breaker's admission of the running attempt; REFUSED when none is pending. */
  #admission = REFUSED;

  constructor(
    policy: RetryPolicy,
    stats: BackoffStatistics,
    thisArg: unknown,
    signal: AbortSignal | undefined,
    fn: Retried,
    args: unknown[],
  ) {
    this.#policy = policy;
    this.#stats = stats;
    this.#thisArg = thisArg;
    this.#signal = signal;
    this.#fn = fn;
    this.#args = args;
  }

  /** Starts the call from its first attempt; `observed` = with OpenTelemetry. */
  start(observed = false): Promise<unknown> {
    const promise = this.#promise();
    if (observed) {
      this.#telemetry = CallTelemetry.begin(
        this.#policy.telemetry!,
        this.#fn.name,
        this.#thisArg,
        this.#args,
      );
      if (this.#telemetry !== undefined) {
        this.#startedAt = this.#policy.clock.now();
        this.#history = new CallHistory(this.#policy.historySize);
      }
    }
    if (this.#policy.timed) this.#startedAt = this.#policy.clock.now();
    const signal = this.#signal;
    if (signal !== undefined) {
      // An already-aborted signal never fires again: check before listening.
      if (signal.aborted) {
        this.#settled = true;
        this.#cancel(signal.reason);
        return promise;
      }
      // One listener per signal, shared by every call in flight on it: many concurrent calls on
      // one signal never trip Node's MaxListenersExceededWarning. The arrow is created only here.
      this.#unlink = linkAbort(signal, () => this.#onAbort());
    }
    this.#policy.budget?.onCall();
    this.#runAttempt(0);
    return promise;
  }

  /** Continues a call whose first attempt ran on the fast path and failed with `error`. */
  after(error: unknown, state: AttemptState | undefined): Promise<unknown> {
    const promise = this.#promise();
    this.#attempt = 1;
    // The fast path runs only while the circuit is closed.
    if (this.#policy.breaker !== undefined) this.#admission = PASSED;
    this.#state = state;
    state?.finish();
    // Untimed until now: time it from its first attempt if that one asked for its context, else from here.
    this.#startedAt = state !== undefined ? state.startedAt : this.#policy.clock.now();
    if (state !== undefined) this.#attemptStart = state.startedAt;
    this.#stats.errors++;
    this.#afterFailure(error);
    return promise;
  }

  createAttemptState(): AttemptState {
    const clock = this.#policy.clock;
    if (Number.isNaN(this.#startedAt)) this.#startedAt = clock.now();
    return new AttemptState(
      clock,
      this.#attempt,
      this.#hasLastError ? this.#lastError : undefined,
      this.#startedAt,
      this.#endsAt,
    );
  }

  #promise(): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  #elapsed(): number {
    if (Number.isNaN(this.#startedAt)) this.#startedAt = this.#policy.clock.now();
    return this.#policy.clock.now() - this.#startedAt;
  }

  /** Starts the next attempt; `knownElapsed` saves a clock read when the caller just made one. */
  #runAttempt(knownElapsed?: number): void {
    const policy = this.#policy;
    let limit: number | undefined;
    let limitKind = ATTEMPT_LIMIT;
    if (policy.attemptTimeout !== undefined || policy.deadline !== undefined) {
      const elapsed = knownElapsed ?? this.#elapsed();
      limit = policy.attemptLimit(elapsed);
      if (policy.limitIsDeadline(elapsed)) {
        limitKind = DEADLINE_LIMIT;
        // Don't start what cannot finish before the deadline.
        if ((limit as number) <= 0) {
          this.#deadlineReached(undefined);
          return;
        }
      }
      this.#endsAt = this.#startedAt + elapsed + (limit as number);
      this.#attemptStart = this.#startedAt + elapsed;
    } else if (!Number.isNaN(this.#startedAt)) {
      this.#attemptStart = this.#startedAt + (knownElapsed ?? this.#elapsed());
    }
    const breaker = policy.breaker;
    if (breaker !== undefined) {
      const admission = breaker.admit();
      if (admission === REFUSED) {
        this.#circuitOpen();
        return;
      }
      this.#admission = admission;
    }
    this.#attempt++;
    this.#stats.attempts++;
    const token = ++this.#token;
    let result: unknown;
    let failed = false;
    const telemetry = this.#telemetry;
    enterAttempt(this);
    try {
      result =
        telemetry === undefined
          ? this.#fn.apply(this.#thisArg, this.#args)
          : telemetry.runAttempt(this.#attempt, false, this.#fn, this.#thisArg, this.#args);
    } catch (error) {
      failed = true;
      result = error;
    }
    this.#state = leaveAttempt();
    if (this.#settled) {
      // The function aborted the call's own signal synchronously; only keep its outcome quiet.
      if (!failed && isThenable(result)) result.then((value) => policy.dispose(value), ignore);
      else if (!failed) policy.dispose(result);
      return;
    }
    if (failed) {
      this.#onFailure(result);
      return;
    }
    if (!isThenable(result)) {
      this.#onSuccess(result);
      return;
    }
    if (limit !== undefined) this.#arm(limit, limitKind);
    try {
      // Both handlers are always attached, so an abandoned attempt never rejects unhandled.
      result.then(
        (value) => {
          if (token === this.#token) this.#onSuccess(value);
          // An abandoned attempt's value belongs to nobody.
          else policy.dispose(value);
        },
        (error) => {
          if (token === this.#token) this.#onFailure(error);
        },
      );
    } catch (error) {
      if (token === this.#token) this.#onFailure(error);
    }
  }

  #arm(ms: number, kind: number): void {
    this.#timerKind = kind;
    const timer = this.#policy.clock.setTimeout(() => this.#onTimer(), ms);
    if (this.#policy.unref) unrefTimer(timer);
    this.#timer = timer;
  }

  #disarm(): void {
    if (this.#timer !== undefined) {
      this.#policy.clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  #onTimer(): void {
    this.#timer = undefined;
    if (this.#settled) return;
    if (this.#timerKind === PAUSE) {
      this.#runAttempt();
      return;
    }
    // The running attempt is abandoned: its outcome, whenever it comes, is ignored.
    this.#token++;
    const policy = this.#policy;
    if (this.#timerKind === DEADLINE_LIMIT) {
      const error = new TimeoutError("deadline", policy.deadline as number);
      this.#state?.abort(error);
      this.#record(ABANDONED);
      this.#stats.errors++;
      this.#recordFailure(error, this.#elapsed());
      this.#deadlineReached(error);
      return;
    }
    const error = new TimeoutError("attempt", policy.attemptTimeout as number);
    this.#state?.abort(error);
    this.#stats.errors++;
    this.#afterFailure(error);
  }

  #onAbort(): void {
    if (this.#settled) return;
    this.#token++;
    const reason = (this.#signal as AbortSignal).reason;
    this.#state?.abort(reason);
    this.#record(ABANDONED);
    this.#settle();
    this.#cancel(reason);
  }

  /** Ends a settled call with the caller's abort reason, and tells the give-up hook why. */
  #cancel(reason: unknown): void {
    this.#stats.cancels++;
    const elapsed = this.#elapsed();
    const history = this.#historyOf();
    // The attempt the abort cut short (not a pause, whose attempt is already recorded).
    if (this.#attempt > (history.last?.attempt ?? 0)) this.#recordFailure(reason, elapsed);
    this.#end(history, "aborted", reason);
    bindHistory(reason, history);
    this.#reject(reason);
    this.#policy.notifyGiveUp({
      attempt: this.#attempt,
      error: reason,
      reason: "aborted",
      elapsed,
      history,
    });
  }

  #onSuccess(value: unknown): void {
    this.#disarm();
    this.#state?.finish();
    this.#stats.done++;
    this.#policy.budget?.onSuccess();
    this.#record(SUCCEEDED);
    const history = this.#history;
    if (history !== undefined) {
      // Only calls that failed before (or are observed) pay for a record of their success.
      const now = this.#policy.clock.now();
      history.record(this.#attempt, this.#attemptStart, now, "value", value);
      this.#end(history, "success", undefined);
    }
    this.#settle();
    this.#resolve(value);
  }

  /** The call's history, created on first need. */
  #historyOf(): CallHistory {
    if (this.#history === undefined) this.#history = new CallHistory(this.#policy.historySize);
    return this.#history;
  }

  /** Records the running attempt as failed with `error`, `elapsed` ms into the call. */
  #recordFailure(error: unknown, elapsed: number): void {
    this.#historyOf().record(
      this.#attempt,
      this.#attemptStart,
      this.#startedAt + elapsed,
      "error",
      error,
    );
  }

  /** Ends the history and the telemetry of the call. */
  #end(history: CallHistory, reason: HistoryStopReason, error: unknown): void {
    history.end(reason);
    const telemetry = this.#telemetry;
    if (telemetry !== undefined) {
      const last = history.last;
      if (last !== undefined && last.attempt === this.#attempt) telemetry.attemptEnded(last);
      telemetry.end(reason, this.#attempt, error);
    }
  }

  #onFailure(error: unknown): void {
    this.#disarm();
    this.#state?.finish();
    this.#stats.errors++;
    this.#afterFailure(error);
  }

  #afterFailure(error: unknown): void {
    const policy = this.#policy;
    const attempt = this.#attempt;
    const elapsed = this.#elapsed();
    this.#recordFailure(error, elapsed);
    const history = this.#history as CallHistory;
    let reason: StopReason | undefined;
    try {
      reason = policy.stopReason(error, attempt, elapsed);
    } catch (hookError) {
      // A throwing giveup/retryIf ends the call with its own error.
      this.#record(ABANDONED);
      if (!this.#settled) this.#giveUp(hookError, "giveup", elapsed);
      return;
    }
    // Only failures the classifier would retry count against the breaker and the budget; the
    // others show a service that answered.
    const counted = reason !== "not-retryable" && reason !== "giveup";
    this.#record(counted ? FAILED : SUCCEEDED, error);
    if (counted) policy.budget?.onFailure();
    if (reason !== undefined) {
      if (!this.#settled) this.#giveUp(error, reason, elapsed);
      return;
    }
    // One of those hooks aborted the call's signal: the call has already ended as aborted.
    if (this.#settled) return;
    // A circuit this failure (or another call) opened stops the retries now, not after the pause.
    if (policy.breaker?.refuses() === true) {
      this.#circuitOpen();
      return;
    }
    let delay: number | undefined;
    try {
      if (this.#sequence === undefined) this.#sequence = policy.delaySequence();
      delay = policy.nextDelay(this.#sequence, attempt, error, elapsed, history);
    } catch (hookError) {
      // A throwing retryAfter or strategy ends the call with its own error.
      if (!this.#settled) this.#giveUp(hookError, "giveup", elapsed);
      return;
    }
    if (this.#settled) return;
    if (delay === undefined) {
      this.#giveUp(error, "deadline", elapsed);
      return;
    }
    if (policy.budget !== undefined && !policy.budget.tryRetry()) {
      this.#giveUp(error, "budget", elapsed);
      return;
    }
    this.#hasLastError = true;
    this.#lastError = error;
    this.#stats.retries++;
    const telemetry = this.#telemetry;
    if (telemetry !== undefined) {
      const last = history.last as CallHistory["attempts"][number];
      telemetry.attemptEnded(last);
      telemetry.retried(last);
    }
    policy.notifyRetry({ attempt, error, delay, elapsed, history });
    if (this.#settled) return;
    if (delay > 0) {
      this.#zeroDelays = 0;
      this.#arm(delay, PAUSE);
    } else if (++this.#zeroDelays % ZERO_DELAY_BURST === 0) {
      // A long run of zero-delay retries would starve timers and abort events: let them in.
      yieldToMacrotasks(() => {
        if (!this.#settled) this.#runAttempt();
      });
    } else {
      this.#runAttempt();
    }
  }

  /** Tells the breaker how the running attempt ended (once per admitted attempt). */
  #record(outcome: number, error?: unknown): void {
    const admission = this.#admission;
    if (admission === REFUSED) return;
    this.#admission = REFUSED;
    (this.#policy.breaker as CircuitBreaker).record(admission, outcome, error);
  }

  /** Ends the call because the circuit is open: `BrokenCircuitError`, the last failure as cause. */
  #circuitOpen(): void {
    const error = (this.#policy.breaker as CircuitBreaker).refusal();
    this.#giveUp(error, "circuit-open", this.#elapsed());
  }

  #deadlineReached(timeout: TimeoutError | undefined): void {
    const error = this.#hasLastError
      ? this.#lastError
      : (timeout ?? new TimeoutError("deadline", this.#policy.deadline as number));
    this.#giveUp(error, "deadline", this.#elapsed());
  }

  #giveUp(error: unknown, reason: StopReason, elapsed: number): void {
    this.#stats.giveups++;
    this.#settle();
    const history = this.#historyOf();
    history.end(reason);
    let thrown = error;
    if (this.#policy.aggregate) {
      const errors = history.errors();
      // A throwing decision hook ends the call with its own error: it comes last.
      if (errors.length === 0 || errors[errors.length - 1] !== error) errors.push(error);
      thrown = new RetryError(errors, history, this.#attempt);
    }
    this.#end(history, reason, thrown);
    bindHistory(error, history);
    if (thrown !== error) bindHistory(thrown, history);
    this.#reject(thrown);
    this.#policy.notifyGiveUp({ attempt: this.#attempt, error: thrown, reason, elapsed, history });
  }

  #settle(): void {
    this.#settled = true;
    this.#disarm();
    if (this.#unlink !== undefined) {
      this.#unlink();
      this.#unlink = undefined;
    }
    if (!Number.isNaN(this.#startedAt)) {
      this.#stats.totalTime += this.#policy.clock.now() - this.#startedAt;
    }
  }
}
