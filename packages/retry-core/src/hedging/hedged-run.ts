import { linkAbort } from "../abort-link.js";
import { type AttemptOwner, AttemptState, enterAttempt, leaveAttempt } from "../attempt.js";
import type { BackoffStatistics, StopReason } from "../backoff-options.js";
import {
  ABANDONED,
  type CircuitBreaker,
  FAILED,
  REFUSED,
  SUCCEEDED,
} from "../breaker/circuit-breaker.js";
import { unrefTimer, yieldToMacrotasks } from "../clock.js";
import { TimeoutError } from "../errors.js";
import { CallHistory, type HistoryStopReason } from "../history/call-history.js";
import { bindHistory } from "../history/retry-history.js";
import type { CompiledHedge, RetryPolicy } from "../policy.js";
import { RetryError } from "../retry-error.js";
import type { DelaySequence } from "../strategies/delay-strategy.js";
import type { CallTelemetry } from "../telemetry/call-telemetry.js";

/** A retried function, as the engine sees it. */
type Retried = (this: unknown, ...args: unknown[]) => unknown;

/** Retries at once in a row after which the run yields to the macrotask queue (as `CallRun`). */
const ZERO_DELAY_BURST = 16;

function ignore(): void {}

// Abort reasons of the attempts still in flight when the call ends, made only when one is needed:
// a DOMException is costly to create, and most calls have nothing left to abort.
const LOST: unique symbol = Symbol("lost");
const GAVE_UP: unique symbol = Symbol("gave up");

function abortReason(reason: unknown): unknown {
  if (reason === LOST) {
    return new DOMException("another hedged attempt succeeded first", "AbortError");
  }
  if (reason === GAVE_UP) return new DOMException("the call gave up", "AbortError");
  return reason;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as PromiseLike<unknown>).then === "function"
  );
}

/** One attempt of a hedged call: its context, its time limit, and whether its outcome still counts. */
class HedgedAttempt implements AttemptOwner {
  readonly number: number;
  readonly #run: HedgedRun;
  readonly #lastError: unknown;
  readonly #endsAt: number;
  /** The context, if the attempt asked for it. */
  state: AttemptState | undefined = undefined;
  /** The breaker's admission, until the outcome is recorded. */
  admission = REFUSED;
  /** Its own time limit's timer. */
  timer: unknown = undefined;
  /** Its outcome no longer counts (settled, timed out, or abandoned); a late value is disposed. */
  done = false;
  /** Clock reading at its start, for the history. */
  startedAt = Number.NaN;
  /** Whether it was started as a hedge (in parallel), not after a failure. */
  hedged = false;

  constructor(run: HedgedRun, number: number, lastError: unknown, endsAt: number) {
    this.#run = run;
    this.number = number;
    this.#lastError = lastError;
    this.#endsAt = endsAt;
  }

  createAttemptState(): AttemptState {
    return this.#run.stateFor(this.number, this.#lastError, this.#endsAt);
  }
}

/**
 * A call with hedged attempts: when the running attempt has not settled after the hedge delay,
 * another one starts in parallel, up to `maxAttempts` in flight; a failure starts the next one at
 * once; the first success wins and every other attempt is aborted, its late value disposed. Every
 * attempt counts toward `maxTries` and is bounded by the attempt timeout, the deadline, the budget
 * and the breaker. @internal
 */
export class HedgedRun {
  readonly #policy: RetryPolicy;
  readonly #hedge: CompiledHedge;
  readonly #stats: BackoffStatistics;
  readonly #thisArg: unknown;
  readonly #signal: AbortSignal | undefined;
  readonly #fn: Retried;
  readonly #args: unknown[];
  #resolve: (value: unknown) => void = ignore;
  #reject: (error: unknown) => void = ignore;
  #startedAt = 0;
  #settled = false;
  #started = 0;
  #hedges = 0;
  readonly #inFlight = new Set<HedgedAttempt>();
  #hedgeTimer: unknown = undefined;
  #hedgeDelays: DelaySequence | undefined = undefined;
  #deadlineTimer: unknown = undefined;
  #hasLastError = false;
  #lastError: unknown = undefined;
  /** Set once no further attempt may start: why the call will stop when the last one fails. */
  #stopping: StopReason | undefined = undefined;
  #zeroDelays = 0;
  /** Unlinks the call from its signal's shared abort listener, while linked. */
  #unlink: (() => void) | undefined = undefined;
  /** The call's history (a hedged call always keeps one: it is timed from its start anyway). */
  readonly #history: CallHistory;
  #telemetry: CallTelemetry | undefined = undefined;

  constructor(
    policy: RetryPolicy,
    stats: BackoffStatistics,
    thisArg: unknown,
    signal: AbortSignal | undefined,
    fn: Retried,
    args: unknown[],
  ) {
    this.#policy = policy;
    this.#hedge = policy.hedge as CompiledHedge;
    this.#stats = stats;
    this.#thisArg = thisArg;
    this.#signal = signal;
    this.#fn = fn;
    this.#args = args;
    this.#history = new CallHistory(policy.historySize);
  }

  /** Starts the call; `telemetry`, when given, observes it. */
  start(telemetry?: CallTelemetry): Promise<unknown> {
    this.#telemetry = telemetry;
    const promise = new Promise<unknown>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    const policy = this.#policy;
    this.#startedAt = policy.clock.now();
    const signal = this.#signal;
    if (signal !== undefined) {
      if (signal.aborted) {
        this.#settled = true;
        this.#cancel(signal.reason);
        return promise;
      }
      // One listener per signal, shared by every call in flight on it.
      this.#unlink = linkAbort(signal, () => this.#onAbort());
    }
    if (policy.deadline !== undefined) {
      this.#deadlineTimer = this.#arm(() => this.#onDeadline(), policy.deadline);
    }
    policy.budget?.onCall();
    const refused = this.#launch(false);
    if (refused !== undefined) this.#giveUp(this.#finalError(undefined, refused), refused);
    return promise;
  }

  /** Creates the context of attempt `number` (called when the attempt reads `currentAttempt()`). */
  stateFor(number: number, lastError: unknown, endsAt: number): AttemptState {
    return new AttemptState(this.#policy.clock, number, lastError, this.#startedAt, endsAt);
  }

  #elapsed(): number {
    return this.#policy.clock.now() - this.#startedAt;
  }

  #arm(callback: () => void, ms: number): unknown {
    const timer = this.#policy.clock.setTimeout(callback, ms);
    if (this.#policy.unref) unrefTimer(timer);
    return timer;
  }

  /**
   * Starts an attempt (a hedge when `hedged`); returns why it could not start, or `undefined`.
   * A refused hedge leaves the attempts in flight running.
   */
  #launch(hedged: boolean): StopReason | undefined {
    const policy = this.#policy;
    if (this.#started >= policy.maxTries) return "max-tries";
    const elapsed = this.#elapsed();
    const limit = policy.attemptLimit(elapsed);
    if (policy.deadline !== undefined && (limit as number) <= 0) return "deadline";
    let admission = REFUSED;
    const breaker = policy.breaker;
    if (breaker !== undefined) {
      admission = breaker.admit();
      if (admission === REFUSED) return "circuit-open";
    }
    const attempt = new HedgedAttempt(
      this,
      ++this.#started,
      this.#hasLastError ? this.#lastError : undefined,
      limit === undefined ? Number.NaN : this.#startedAt + elapsed + limit,
    );
    attempt.admission = admission;
    attempt.startedAt = this.#startedAt + elapsed;
    attempt.hedged = hedged;
    this.#stats.attempts++;
    if (hedged) this.#stats.hedges++;
    this.#inFlight.add(attempt);
    // The deadline has its own timer; an attempt's own limit is the attempt timeout.
    if (limit !== undefined && !policy.limitIsDeadline(elapsed)) {
      attempt.timer = this.#arm(() => this.#onAttemptTimeout(attempt), limit);
    }
    let result: unknown;
    let failed = false;
    enterAttempt(attempt);
    const telemetry = this.#telemetry;
    try {
      result =
        telemetry === undefined
          ? this.#fn.apply(this.#thisArg, this.#args)
          : telemetry.runAttempt(attempt.number, hedged, this.#fn, this.#thisArg, this.#args);
    } catch (error) {
      failed = true;
      result = error;
    }
    attempt.state = leaveAttempt();
    if (attempt.done) {
      // The function ended the call synchronously (it aborted the caller's signal).
      if (!failed && isThenable(result)) result.then((value) => policy.dispose(value), ignore);
      return undefined;
    }
    if (failed) {
      this.#onFailure(attempt, result);
      return undefined;
    }
    if (!isThenable(result)) {
      this.#onSuccess(attempt, result);
      return undefined;
    }
    this.#scheduleHedge();
    try {
      result.then(
        (value) => this.#onSuccess(attempt, value),
        (error) => this.#onFailure(attempt, error),
      );
    } catch (error) {
      this.#onFailure(attempt, error);
    }
    return undefined;
  }

  /** Arms the hedge timer, when another attempt may still join those in flight. */
  #scheduleHedge(): void {
    if (this.#hedgeTimer !== undefined) {
      this.#policy.clock.clearTimeout(this.#hedgeTimer);
      this.#hedgeTimer = undefined;
    }
    if (
      this.#settled ||
      this.#stopping !== undefined ||
      this.#inFlight.size >= this.#hedge.maxAttempts ||
      this.#started >= this.#policy.maxTries
    ) {
      return;
    }
    if (this.#hedgeDelays === undefined) this.#hedgeDelays = this.#hedge.delays();
    const delay = this.#hedgeDelays.next(this.#hedges + 1);
    this.#hedgeTimer = this.#arm(() => this.#onHedgeTimer(), Math.max(delay || 0, 0));
  }

  #onHedgeTimer(): void {
    this.#hedgeTimer = undefined;
    if (this.#settled || this.#stopping !== undefined) return;
    const budget = this.#policy.budget;
    // A hedge is a retry as far as the budget goes (gRPC throttles hedges alike).
    if (budget !== undefined && !budget.tryRetry()) return;
    this.#hedges++;
    this.#launch(true);
  }

  #onSuccess(attempt: HedgedAttempt, value: unknown): void {
    if (attempt.done) {
      // It lost the race, timed out or was abandoned: nobody will use the value.
      this.#policy.dispose(value);
      return;
    }
    this.#finish(attempt);
    this.#policy.budget?.onSuccess();
    this.#record(attempt, SUCCEEDED);
    this.#note(attempt, "value", value);
    this.#end("success", undefined);
    this.#stats.done++;
    this.#settle(LOST);
    this.#resolve(value);
  }

  #onAttemptTimeout(attempt: HedgedAttempt): void {
    attempt.timer = undefined;
    if (attempt.done) return;
    const error = new TimeoutError("attempt", this.#policy.attemptTimeout as number);
    attempt.state?.abort(error);
    this.#onFailure(attempt, error);
  }

  #onFailure(attempt: HedgedAttempt, error: unknown): void {
    if (attempt.done) return;
    this.#finish(attempt);
    this.#stats.errors++;
    const policy = this.#policy;
    const elapsed = this.#elapsed();
    const noted = this.#note(attempt, "error", error);
    let reason: StopReason | undefined;
    try {
      reason = policy.stopReason(error, this.#started, elapsed);
    } catch (hookError) {
      this.#record(attempt, ABANDONED);
      if (!this.#settled) this.#giveUp(hookError, "giveup");
      return;
    }
    const counted = reason !== "not-retryable" && reason !== "giveup";
    this.#record(attempt, counted ? FAILED : SUCCEEDED, error);
    if (counted) policy.budget?.onFailure();
    if (this.#settled) return;
    if (!counted) {
      // A failure that is not worth retrying ends the call at once, whatever is still running.
      this.#giveUp(error, reason as StopReason);
      return;
    }
    this.#hasLastError = true;
    this.#lastError = error;
    if (reason === undefined) reason = this.#stopping;
    if (reason === undefined && policy.breaker?.refuses() === true) reason = "circuit-open";
    if (reason === undefined && policy.budget !== undefined && !policy.budget.tryRetry()) {
      reason = "budget";
    }
    if (reason === undefined) {
      this.#stats.retries++;
      // A failure is followed by the next attempt at once.
      noted.delay = 0;
      noted.delaySource = "strategy";
      if (this.#telemetry !== undefined) {
        this.#telemetry.attemptEnded(noted);
        this.#telemetry.retried(noted);
      }
      policy.notifyRetry({
        attempt: attempt.number,
        error,
        delay: 0,
        elapsed,
        history: this.#history,
      });
      if (this.#settled) return;
      if (++this.#zeroDelays % ZERO_DELAY_BURST === 0) {
        // An endless run of failures at once would starve timers and abort events: let them in.
        yieldToMacrotasks(() => {
          if (this.#settled) return;
          const refused = this.#launch(false);
          if (refused !== undefined) this.#stop(error, refused);
        });
        return;
      }
      reason = this.#launch(false);
      if (reason === undefined) return;
    }
    this.#stop(error, reason);
  }

  /** No attempt may start any more: give up now, or when the last one in flight fails. */
  #stop(error: unknown, reason: StopReason): void {
    if (this.#settled) return;
    if (this.#inFlight.size > 0) {
      this.#stopping = reason;
      if (this.#hedgeTimer !== undefined) {
        this.#policy.clock.clearTimeout(this.#hedgeTimer);
        this.#hedgeTimer = undefined;
      }
      return;
    }
    this.#giveUp(this.#finalError(error, reason), reason);
  }

  #finalError(error: unknown, reason: StopReason): unknown {
    if (reason === "circuit-open") return (this.#policy.breaker as CircuitBreaker).refusal();
    if (reason === "deadline" && !this.#hasLastError) {
      return new TimeoutError("deadline", this.#policy.deadline as number);
    }
    return error;
  }

  #onDeadline(): void {
    this.#deadlineTimer = undefined;
    if (this.#settled) return;
    const timeout = new TimeoutError("deadline", this.#policy.deadline as number);
    const error = this.#hasLastError ? this.#lastError : timeout;
    this.#stats.giveups++;
    this.#noteInFlight(timeout);
    this.#settle(timeout);
    const thrown = this.#thrown(error, "deadline");
    this.#reject(thrown);
    this.#policy.notifyGiveUp({
      attempt: this.#started,
      error: thrown,
      reason: "deadline",
      elapsed: this.#elapsed(),
      history: this.#history,
    });
  }

  #onAbort(): void {
    if (this.#settled) return;
    const reason = (this.#signal as AbortSignal).reason;
    this.#settle(reason);
    this.#cancel(reason);
  }

  #cancel(reason: unknown): void {
    this.#stats.cancels++;
    this.#noteInFlight(reason);
    this.#end("aborted", reason);
    bindHistory(reason, this.#history);
    this.#reject(reason);
    this.#policy.notifyGiveUp({
      attempt: this.#started,
      error: reason,
      reason: "aborted",
      elapsed: this.#elapsed(),
      history: this.#history,
    });
  }

  #giveUp(error: unknown, reason: StopReason): void {
    this.#stats.giveups++;
    this.#settle(GAVE_UP);
    const thrown = this.#thrown(error, reason);
    this.#reject(thrown);
    this.#policy.notifyGiveUp({
      attempt: this.#started,
      error: thrown,
      reason,
      elapsed: this.#elapsed(),
      history: this.#history,
    });
  }

  /** Records an attempt's outcome in the history. */
  #note(attempt: HedgedAttempt, outcome: "value" | "error", result: unknown) {
    return this.#history.record(
      attempt.number,
      attempt.startedAt,
      this.#policy.clock.now(),
      outcome,
      result,
      attempt.hedged,
    );
  }

  /** Records the attempts still in flight as ended by `reason` (the deadline or an abort). */
  #noteInFlight(reason: unknown): void {
    for (const attempt of this.#inFlight) this.#note(attempt, "error", reason);
  }

  /** Ends the history and the telemetry. */
  #end(reason: HistoryStopReason, error: unknown): void {
    const history = this.#history;
    history.end(reason);
    const telemetry = this.#telemetry;
    if (telemetry !== undefined) {
      for (const record of history.attempts) telemetry.attemptEnded(record);
      telemetry.end(reason, this.#started, error);
    }
  }

  /** What a failed call throws (the error, or a `RetryError`), its history bound to it. */
  #thrown(error: unknown, reason: StopReason): unknown {
    const history = this.#history;
    history.end(reason);
    let thrown = error;
    if (this.#policy.aggregate) {
      const errors = history.errors();
      if (errors[errors.length - 1] !== error) errors.push(error);
      thrown = new RetryError(errors, history, this.#started);
      bindHistory(thrown, history);
    }
    this.#end(reason, thrown);
    bindHistory(error, history);
    return thrown;
  }

  /** The attempt's outcome is in: it leaves the set in flight and its timer is cleared. */
  #finish(attempt: HedgedAttempt): void {
    attempt.done = true;
    this.#inFlight.delete(attempt);
    if (attempt.timer !== undefined) {
      this.#policy.clock.clearTimeout(attempt.timer);
      attempt.timer = undefined;
    }
    attempt.state?.finish();
  }

  #record(attempt: HedgedAttempt, outcome: number, error?: unknown): void {
    const admission = attempt.admission;
    if (admission === REFUSED) return;
    attempt.admission = REFUSED;
    (this.#policy.breaker as CircuitBreaker).record(admission, outcome, error);
  }

  /** Ends the call: every timer cleared, the listener removed, the attempts in flight aborted. */
  #settle(why: unknown): void {
    this.#settled = true;
    const clock = this.#policy.clock;
    if (this.#hedgeTimer !== undefined) {
      clock.clearTimeout(this.#hedgeTimer);
      this.#hedgeTimer = undefined;
    }
    if (this.#deadlineTimer !== undefined) {
      clock.clearTimeout(this.#deadlineTimer);
      this.#deadlineTimer = undefined;
    }
    if (this.#unlink !== undefined) {
      this.#unlink();
      this.#unlink = undefined;
    }
    let reason: unknown;
    let made = false;
    for (const attempt of this.#inFlight) {
      attempt.done = true;
      if (attempt.timer !== undefined) {
        clock.clearTimeout(attempt.timer);
        attempt.timer = undefined;
      }
      if (attempt.state !== undefined) {
        if (!made) {
          reason = abortReason(why);
          made = true;
        }
        attempt.state.abort(reason);
      }
      this.#record(attempt, ABANDONED);
    }
    this.#inFlight.clear();
    this.#stats.totalTime += clock.now() - this.#startedAt;
  }
}
