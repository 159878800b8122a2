import { linkAbort } from "./abort-link.js";
import { type AttemptOwner, AttemptState, enterAttempt, leaveAttempt } from "./attempt.js";
import type { BackoffStatistics, ResumeState, StopReason } from "./backoff-options.js";
import {
  ABANDONED,
  type CircuitBreaker,
  FAILED,
  REFUSED,
  SUCCEEDED,
} from "./breaker/circuit-breaker.js";
import { unrefTimer, yieldToMacrotasks } from "./clock.js";
import { TimeoutError } from "./errors.js";
import { CallHistory, type HistoryStopReason } from "./history/call-history.js";
import { bindHistory } from "./history/retry-history.js";
import { describeValue, type RetryPolicy } from "./policy.js";
import { RetryError } from "./retry-error.js";
import { sleep } from "./sleep.js";
import type { DelaySequence } from "./strategies/delay-strategy.js";
import { CallTelemetry } from "./telemetry/call-telemetry.js";
import { telemetryWanted } from "./telemetry/probe.js";

/** A function whose result is a stream: an async generator function or an AsyncIterable factory. @internal */
export type StreamFactory = (this: unknown, ...args: unknown[]) => AsyncIterable<unknown>;

/** Session settings that a call may set apart from the policy (see `retryWith`). @internal */
export interface SessionSettings {
  resume: ((state: ResumeState) => readonly unknown[]) | undefined;
  idleTimeout: number | undefined;
}

const ZERO_DELAY_BURST = 16;

function ignore(): void {}

/** Publishes an already-created attempt state as the current attempt. */
class Published implements AttemptOwner {
  constructor(readonly state: AttemptState) {}
  createAttemptState(): AttemptState {
    return this.state;
  }
}

/** One attempt's iterator, remembering whether a `next()` is still in flight. */
class Upstream {
  busy = false;
  closed = false;
  constructor(readonly iterator: AsyncIterator<unknown>) {}

  /**
   * Closes the iterator so that its `finally` blocks run. When a `next()` is in flight the close is
   * queued behind it and not awaited: the attempt's signal has been aborted, and waiting for
   * well-behaved work to notice must not delay the consumer.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const close = this.iterator.return;
    if (typeof close !== "function") return;
    try {
      const closing = Promise.resolve(close.call(this.iterator));
      if (this.busy) closing.then(undefined, ignore);
      else await closing;
    } catch {
      // The stream is being abandoned; an error while closing it has nobody to go to.
    }
  }
}

/**
 * Retries a stream as a whole: on a retryable failure it opens the stream again (through `resume`
 * once items were delivered) and the consumer sees one uninterrupted stream. @internal
 */
export async function* runSession(
  policy: RetryPolicy,
  stats: BackoffStatistics,
  settings: SessionSettings,
  thisArg: unknown,
  signal: AbortSignal | undefined,
  fn: StreamFactory,
  args: unknown[],
): AsyncGenerator<unknown, void, undefined> {
  const clock = policy.clock;
  const startedAt = clock.now();
  const { resume, idleTimeout } = settings;
  let attempt = 0;
  let delivered = 0;
  let lastItem: unknown;
  let hasLastError = false;
  let lastError: unknown;
  let sequence: DelaySequence | undefined;
  let zeroDelays = 0;
  let callArgs: readonly unknown[] = args;
  let upstream: Upstream | undefined;
  let state: AttemptState | undefined;
  let yielding = false;
  let settledNormally = false;
  const telemetry =
    policy.telemetry !== undefined && telemetryWanted()
      ? CallTelemetry.begin(policy.telemetry, fn.name, thisArg, args)
      : undefined;
  // The session's history: its failed attempts (a session that never fails keeps none, unless observed).
  let history = telemetry === undefined ? undefined : new CallHistory(policy.historySize);
  let attemptStart = Number.NaN;
  let recorded = false;
  const historyOf = (): CallHistory => {
    history ??= new CallHistory(policy.historySize);
    return history;
  };
  const noteAttempt = (outcome: "value" | "error", result: unknown): void => {
    if (recorded) return;
    recorded = true;
    historyOf().record(attempt, attemptStart, clock.now(), outcome, result);
  };
  const end = (reason: HistoryStopReason, error: unknown): CallHistory => {
    const kept = historyOf();
    kept.end(reason);
    if (telemetry !== undefined) {
      const last = kept.last;
      if (last !== undefined) telemetry.attemptEnded(last);
      telemetry.end(reason, attempt, error);
    }
    return kept;
  };
  // The breaker's admission of the running attempt, until its outcome is recorded.
  const breaker = policy.breaker;
  let admission = REFUSED;
  const record = (outcome: number, error?: unknown): void => {
    if (admission === REFUSED) return;
    const admitted = admission;
    admission = REFUSED;
    (breaker as CircuitBreaker).record(admitted, outcome, error);
  };

  const giveUp = (error: unknown, reason: StopReason): unknown => {
    stats.giveups++;
    const kept = historyOf();
    kept.end(reason);
    let thrown = error;
    if (policy.aggregate) {
      const errors = kept.errors();
      if (errors[errors.length - 1] !== error) errors.push(error);
      thrown = new RetryError(errors, kept, attempt);
      bindHistory(thrown, kept);
    }
    end(reason, thrown);
    bindHistory(error, kept);
    policy.notifyGiveUp({
      attempt,
      error: thrown,
      reason,
      elapsed: clock.now() - startedAt,
      history: kept,
    });
    return thrown;
  };
  // The caller's abort ends the session with its reason; the give-up hook is told why.
  const cancel = (): unknown => {
    stats.cancels++;
    const reason = (signal as AbortSignal).reason;
    if (attempt > 0) noteAttempt("error", reason);
    const kept = end("aborted", reason);
    bindHistory(reason, kept);
    policy.notifyGiveUp({
      attempt,
      error: reason,
      reason: "aborted",
      elapsed: clock.now() - startedAt,
      history: kept,
    });
    return reason;
  };

  policy.budget?.onCall();
  try {
    for (;;) {
      if (signal?.aborted) throw cancel();
      const elapsedAtStart = clock.now() - startedAt;
      const deadlineLeft =
        policy.deadline === undefined ? undefined : policy.deadline - elapsedAtStart;
      if (deadlineLeft !== undefined && deadlineLeft <= 0) {
        throw giveUp(
          hasLastError ? lastError : new TimeoutError("deadline", policy.deadline as number),
          "deadline",
        );
      }
      if (breaker !== undefined) {
        admission = breaker.admit();
        if (admission === REFUSED) throw giveUp(breaker.refusal(), "circuit-open");
      }
      attempt++;
      stats.attempts++;
      attemptStart = startedAt + elapsedAtStart;
      recorded = false;
      const firstLimit = policy.attemptTimeout;
      state = new AttemptState(
        clock,
        attempt,
        hasLastError ? lastError : undefined,
        startedAt,
        firstLimit === undefined && deadlineLeft === undefined
          ? Number.NaN
          : startedAt + elapsedAtStart + Math.min(firstLimit ?? Infinity, deadlineLeft ?? Infinity),
      );
      let progressed = false;
      try {
        enterAttempt(new Published(state));
        try {
          const iterable = (
            telemetry === undefined
              ? fn.apply(thisArg, callArgs as unknown[])
              : telemetry.runAttempt(attempt, false, fn, thisArg, callArgs as unknown[])
          ) as AsyncIterable<unknown>;
          upstream = new Upstream(iterable[Symbol.asyncIterator]());
        } finally {
          leaveAttempt();
        }
        for (;;) {
          // The time allowed for the next item: the attempt timeout until the first one, the idle
          // timeout between items, and never past the deadline.
          let limit = idleTimeout;
          let timeout: () => TimeoutError = () =>
            new TimeoutError(
              "attempt",
              idleTimeout as number,
              `no item within the idle timeout of ${idleTimeout} ms`,
            );
          if (
            !progressed &&
            firstLimit !== undefined &&
            (limit === undefined || firstLimit < limit)
          ) {
            limit = firstLimit;
            timeout = () => new TimeoutError("attempt", firstLimit);
          }
          if (policy.deadline !== undefined) {
            const left = policy.deadline - (clock.now() - startedAt);
            if (limit === undefined || left <= limit) {
              limit = Math.max(0, left);
              timeout = () => new TimeoutError("deadline", policy.deadline as number);
            }
          }
          const result = await pull(
            policy,
            upstream,
            limit,
            timeout,
            signal,
            state,
            progressed ? undefined : new Published(state),
          );
          // Every item is an answer: it refills the budget as a successful call would, so that a
          // long stream that breaks now and then keeps its reconnects. The breaker counts the
          // attempt once, as a success, at its first item (or clean end).
          policy.budget?.onSuccess();
          if (!progressed) record(SUCCEEDED);
          if (result.done) {
            settledNormally = true;
            stats.done++;
            if (history !== undefined) {
              noteAttempt("value", undefined);
              end("success", undefined);
            }
            return;
          }
          if (!progressed) {
            // Progress: the next failure starts a fresh count of attempts and delays.
            progressed = true;
            attempt = 1;
            sequence = undefined;
            zeroDelays = 0;
          }
          delivered++;
          lastItem = result.value;
          yielding = true;
          // While the consumer holds the item, an abort must still end the attempt and close its
          // generator at once: the consumer may never call next() or return() again.
          const held = signal === undefined ? undefined : abandonOnAbort(signal, state, upstream);
          try {
            yield result.value;
          } finally {
            held?.();
          }
          yielding = false;
        }
      } catch (error) {
        // An error the consumer threw in, or the end of the whole session: not an attempt's failure.
        if (yielding) throw error;
        state.abort(error);
        await upstream?.close();
        if (signal?.aborted) {
          record(ABANDONED);
          throw cancel();
        }
        stats.errors++;
        noteAttempt("error", error);
        if (TimeoutError.is(error) && error.kind === "deadline") {
          throw giveUp(hasLastError ? lastError : error, "deadline");
        }
        if (delivered > 0 && resume === undefined && policy.isRetryable(error)) {
          // Restarting without resume would deliver items twice.
          throw giveUp(error, "not-retryable");
        }
        const elapsed = clock.now() - startedAt;
        const reason = policy.stopReason(error, attempt, elapsed);
        // Only failures the classifier retries count against the breaker and the budget.
        const counted = reason !== "not-retryable" && reason !== "giveup";
        record(counted ? FAILED : SUCCEEDED, error);
        if (counted) policy.budget?.onFailure();
        if (reason !== undefined) throw giveUp(error, reason);
        if (breaker?.refuses() === true) throw giveUp(breaker.refusal(), "circuit-open");
        if (sequence === undefined) sequence = policy.delaySequence();
        const delay = policy.nextDelay(sequence, attempt, error, elapsed, historyOf());
        if (delay === undefined) throw giveUp(error, "deadline");
        if (policy.budget !== undefined && !policy.budget.tryRetry()) {
          throw giveUp(error, "budget");
        }
        if (delivered > 0 && resume !== undefined) {
          // Asked before the pause: a broken hook ends the session now, not after a wasted wait,
          // and its failure is never mistaken for an attempt's (and retried).
          let next: unknown;
          try {
            next = resume({ args, lastItem, delivered });
          } catch (resumeError) {
            throw giveUp(resumeError, "giveup");
          }
          if (!Array.isArray(next)) {
            throw giveUp(
              new TypeError(
                `resume must return an array of arguments, got ${describeValue(next)}`,
                { cause: error },
              ),
              "giveup",
            );
          }
          callArgs = next;
        }
        hasLastError = true;
        lastError = error;
        stats.retries++;
        const kept = historyOf();
        if (telemetry !== undefined) {
          const last = kept.last as CallHistory["attempts"][number];
          telemetry.attemptEnded(last);
          telemetry.retried(last);
        }
        policy.notifyRetry({ attempt, error, delay, elapsed, history: kept });
        if (delay > 0) {
          zeroDelays = 0;
          try {
            await sleep(delay, { signal, clock, unref: policy.unref });
          } catch (sleepError) {
            if (signal?.aborted) throw cancel();
            throw sleepError;
          }
        } else if (++zeroDelays % ZERO_DELAY_BURST === 0) {
          await new Promise<void>((resolve) => yieldToMacrotasks(resolve));
        }
      }
    }
  } finally {
    record(ABANDONED);
    if (!settledNormally) {
      state?.abort(new DOMException("the session ended", "AbortError"));
    }
    // The consumer stopped early (break, return()): the session ends without a failure.
    if (telemetry !== undefined && history?.stopReason === undefined) end("success", undefined);
    await upstream?.close();
  }
}

/**
 * Listens for an abort while the consumer holds an item: the attempt's signal aborts and its
 * generator (suspended at its `yield`, so not busy) is closed. Returns the function that stops
 * listening (sessions sharing one signal share its one listener).
 */
function abandonOnAbort(signal: AbortSignal, state: AttemptState, upstream: Upstream): () => void {
  const listener = (reason: unknown): void => {
    state.abort(reason);
    upstream.close().then(undefined, ignore);
  };
  // Aborted between the read and the yield: no event will come, so act now.
  if (signal.aborted) {
    listener(signal.reason);
    return ignore;
  }
  return linkAbort(signal, listener);
}

/**
 * Asks the upstream for its next item, bounded by `limit` ms and by `signal`. `publish` makes the
 * attempt's context visible to the generator body, which first runs inside this `next()`.
 */
function pull(
  policy: RetryPolicy,
  upstream: Upstream,
  limit: number | undefined,
  timeout: () => TimeoutError,
  signal: AbortSignal | undefined,
  state: AttemptState,
  publish: AttemptOwner | undefined,
): Promise<IteratorResult<unknown>> {
  return new Promise((resolve, reject) => {
    const clock = policy.clock;
    let done = false;
    let timer: unknown;
    let unlink: (() => void) | undefined;
    const finish = (): void => {
      done = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      unlink?.();
    };
    const onAbort = (): void => {
      if (done) return;
      finish();
      state.abort((signal as AbortSignal).reason);
      reject((signal as AbortSignal).reason);
    };
    if (signal !== undefined) {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      // One listener per signal, shared by every session pulling on it.
      unlink = linkAbort(signal, onAbort);
    }
    if (limit !== undefined) {
      timer = clock.setTimeout(() => {
        timer = undefined;
        if (done) return;
        finish();
        const error = timeout();
        state.abort(error);
        reject(error);
      }, limit);
      if (policy.unref) unrefTimer(timer);
    }
    upstream.busy = true;
    let next: Promise<IteratorResult<unknown>>;
    if (publish !== undefined) enterAttempt(publish);
    try {
      next = Promise.resolve(upstream.iterator.next());
    } catch (error) {
      upstream.busy = false;
      finish();
      reject(error);
      return;
    } finally {
      if (publish !== undefined) leaveAttempt();
    }
    next.then(
      (result) => {
        upstream.busy = false;
        if (done) return;
        finish();
        resolve(result);
      },
      (error) => {
        upstream.busy = false;
        if (done) return;
        finish();
        reject(error);
      },
    );
  });
}
