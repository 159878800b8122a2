import type { BackoffStatistics, StopReason } from "../backoff-options.js";
import { FAILED, REFUSED, SUCCEEDED } from "../breaker/circuit-breaker.js";
import { CallHistory } from "../history/call-history.js";
import { bindHistory } from "../history/retry-history.js";
import type { RetryPolicy } from "../policy.js";
import { RetryError } from "../retry-error.js";

/** A function retried synchronously, as the loop sees it. @internal */
export type SyncRetried = (this: unknown, ...args: unknown[]) => unknown;

/**
 * What to do when the first attempt returns a thenable: a function that takes the call over from
 * it (and counts it in the statistics). Without one, a thenable is a result like any other. @internal
 */
export type ThenableHandoff = (thenable: PromiseLike<unknown>) => unknown;

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as PromiseLike<unknown>).then === "function"
  );
}

/**
 * The synchronous retry loop. JavaScript cannot await synchronously, so this is the one loop the
 * package has besides the engine's; every decision in it (what is retryable, when to stop, how long
 * to wait) is the compiled policy's, exactly as the engine asks it.
 *
 * @param stats the statistics of the Backoff whose policy this is: sync calls count there too.
 * @param sleepFor blocks the thread for a non-zero pause.
 * @internal
 */
export function runSyncRetryLoop(
  policy: RetryPolicy,
  stats: BackoffStatistics,
  sleepFor: (ms: number) => void,
  thisArg: unknown,
  fn: SyncRetried,
  args: unknown[],
  handoff?: ThenableHandoff,
): unknown {
  // The clock is read only when a deadline needs it, as on the engine's fast path.
  const clock = policy.clock;
  // As in the engine, a call is timed from its start when it has a deadline, else from its first
  // failure: a call that succeeds at once reads no clock.
  let startedAt = policy.deadline === undefined ? Number.NaN : clock.now();
  const elapsedNow = (): number => (Number.isNaN(startedAt) ? 0 : clock.now() - startedAt);
  const settle = (): void => {
    if (!Number.isNaN(startedAt)) stats.totalTime += clock.now() - startedAt;
  };
  let sequence: ReturnType<RetryPolicy["delaySequence"]> | undefined;
  // Created at the first failure, as in the engine: a call that succeeds at once has none.
  let history: CallHistory | undefined;
  const fail = (error: unknown, reason: StopReason, elapsed: number, attempt: number): unknown => {
    stats.giveups++;
    settle();
    const kept = history as CallHistory;
    kept.end(reason);
    let thrown = error;
    if (policy.aggregate) {
      const errors = kept.errors();
      if (errors[errors.length - 1] !== error) errors.push(error);
      thrown = new RetryError(errors, kept, attempt);
      bindHistory(thrown, kept);
    }
    bindHistory(error, kept);
    policy.notifyGiveUp({ attempt, error: thrown, reason, elapsed, history: kept });
    return thrown;
  };
  // The same overload rules as the engine: the budget counts the call and its outcomes, the
  // breaker admits each attempt and hears how it ended.
  const { budget, breaker } = policy;
  budget?.onCall();
  for (let attempt = 1; ; attempt++) {
    let result: unknown;
    const attemptStart = history === undefined ? startedAt : clock.now();
    const admission = breaker === undefined ? REFUSED : breaker.admit();
    if (breaker !== undefined && admission === REFUSED) {
      history ??= new CallHistory(policy.historySize);
      throw fail(breaker.refusal(), "circuit-open", elapsedNow(), attempt - 1);
    }
    try {
      result = fn.apply(thisArg, args);
    } catch (error) {
      stats.attempts++;
      stats.errors++;
      const now = clock.now();
      if (Number.isNaN(startedAt)) startedAt = now;
      const elapsed = policy.deadline === undefined ? 0 : now - startedAt;
      history ??= new CallHistory(policy.historySize);
      history.record(attempt, attemptStart, now, "error", error);
      let reason: StopReason | undefined;
      let delay: number | undefined;
      try {
        reason = policy.stopReason(error, attempt, elapsed);
        if (reason === undefined) {
          sequence ??= policy.delaySequence();
          delay = policy.nextDelay(sequence, attempt, error, elapsed, history);
          if (delay === undefined) reason = "deadline";
        }
      } catch (hookError) {
        // As in the engine: a throwing giveup/retryIf/retryAfter or strategy ends the call.
        throw fail(hookError, "giveup", elapsed, attempt);
      }
      // Only failures the classifier would retry count against the breaker and the budget.
      const counted = reason !== "not-retryable" && reason !== "giveup";
      if (breaker !== undefined) breaker.record(admission, counted ? FAILED : SUCCEEDED, error);
      if (counted) budget?.onFailure();
      if (reason !== undefined) throw fail(error, reason, elapsed, attempt);
      // A circuit this failure (or another call) opened stops the retries now, not after the pause.
      if (breaker?.refuses() === true)
        throw fail(breaker.refusal(), "circuit-open", elapsed, attempt);
      if (budget !== undefined && !budget.tryRetry()) throw fail(error, "budget", elapsed, attempt);
      stats.retries++;
      policy.notifyRetry({ attempt, error, delay: delay as number, elapsed, history });
      if ((delay as number) > 0) sleepFor(delay as number);
      continue;
    }
    // The engine takes over a call whose first try answered with a promise, and counts it.
    if (handoff !== undefined && attempt === 1 && isThenable(result)) return handoff(result);
    stats.attempts++;
    stats.done++;
    budget?.onSuccess();
    if (breaker !== undefined) breaker.record(admission, SUCCEEDED);
    if (history !== undefined) {
      history.record(attempt, attemptStart, clock.now(), "value", result);
      history.end("success");
    }
    settle();
    return result;
  }
}
