import type { Clock } from "./clock.js";
import type { Pause } from "./strategies/delay-strategy.js";

/**
 * Why a call stopped retrying: the error is not one to retry, `giveup` said so, the attempts ran out,
 * the deadline passed (or the next pause would reach past it), or the caller aborted.
 */
export type StopReason = "not-retryable" | "giveup" | "max-tries" | "deadline" | "aborted";

/** Passed to `onRetry` before each pause. */
export interface RetryEvent {
  /** The attempt that failed, 1-based. */
  attempt: number;
  /** Its error, unchanged. */
  error: unknown;
  /** The pause before the next attempt, ms. */
  delay: number;
  /** Milliseconds since the call started (`NaN` when the call is not timed, see `BackoffStatistics.totalTime`). */
  elapsed: number;
}

/**
 * Passed to `onGiveUp` when a call ends without a result: with a failure it will not retry, or
 * because the caller aborted (`reason: "aborted"`, `error` = `signal.reason`).
 */
export interface GiveUpEvent {
  /** The last attempt made, 1-based (0 when the signal was aborted before the first one). */
  attempt: number;
  /** The error the call rejects with. */
  error: unknown;
  /** Why retrying stopped. */
  reason: StopReason;
  /** Milliseconds since the call started (`NaN` when the call is not timed). */
  elapsed: number;
}

/** What a session's `resume` hook receives after an attempt that delivered items failed. */
export interface ResumeState {
  /** The arguments of the original call (not of the failed attempt), so the hook can derive the next ones from them. */
  args: readonly unknown[];
  /** The last item delivered to the consumer. */
  lastItem: unknown;
  /** How many items were delivered in total, over all attempts. */
  delivered: number;
}

/**
 * Options of `Backoff`, `asyncBackoff` and `asyncRetry`. Durations are milliseconds; `null` or
 * `undefined` means no limit. Options are validated and compiled once; the object is never modified.
 */
export interface BackoffOptions {
  /** Time limit of one attempt; an attempt that runs longer is aborted and retried. @default null */
  attemptTimeout?: number | null;
  /** Time limit of the whole call, pauses included. @default null */
  deadline?: number | null;
  /** Pause between attempts: milliseconds or a delay strategy. @default 0 */
  pause?: Pause;
  /** Error classes to retry (besides attempt timeouts, which are always retried). @default [] */
  exceptions?: ReadonlyArray<abstract new (...args: never[]) => unknown>;
  /** Predicate form of `exceptions`: retry when it returns true (either may match). */
  retryIf?: (error: unknown) => boolean;
  /**
   * Total number of attempts: an integer >= 1, or `Infinity` / `null` for unlimited (bound the call
   * with `deadline` or `signal` then). Any other number (0, 1.5, NaN) throws a `RangeError`.
   * @default null
   */
  maxTries?: number | null;
  /** Return true to stop retrying at once on this error. */
  giveup?: (error: unknown) => boolean;
  /**
   * A server hint, in ms, that replaces the pause after this error (return `undefined` for none).
   * Negative or `NaN` hints are ignored; larger ones are capped at 2^31-1 ms. With a deadline, a
   * hint that would reach it is not waited out: the call gives up at once with the error
   * (reason `"deadline"`), as for any pause.
   */
  retryAfter?: (error: unknown) => number | undefined;
  /** Cancels every call made through this Backoff (a call's own signal, if given, replaces it). */
  signal?: AbortSignal;
  /** Source of time. @default systemClock */
  clock?: Clock;
  /**
   * Unreference the engine's timers, so that a pending pause or attempt timeout does not keep
   * Node.js alive. The trade-off: a process with nothing else to do may exit before a retry runs.
   * @default false
   */
  unref?: boolean;
  /** Called before each pause (errors thrown by the hook are ignored). */
  onRetry?: (event: RetryEvent) => void;
  /** Called when a call gives up with a failure (errors thrown by the hook are ignored). */
  onGiveUp?: (event: GiveUpEvent) => void;
  /**
   * Sessions only: returns the arguments for the next attempt after an attempt that delivered items
   * failed. Without it, such a failure ends the session (restarting would deliver items twice).
   */
  resume?: (state: ResumeState) => readonly unknown[];
  /** Sessions only: longest wait for the next item; a longer wait is a retryable `TimeoutError`. @default null */
  idleTimeout?: number | null;
}

/** Counters of a Backoff, over all its calls. */
export interface BackoffStatistics {
  /** Attempts started. */
  attempts: number;
  /** Calls (or sessions) that completed successfully. */
  done: number;
  /** Attempts that failed (timeouts included). */
  errors: number;
  /** Calls ended by their AbortSignal. */
  cancels: number;
  /** Pauses started, i.e. attempts that were followed by another one. */
  retries: number;
  /** Calls that ended with a failure. */
  giveups: number;
  /**
   * Milliseconds spent in timed calls. A call is timed when it has a time limit or a hook, or from its
   * first failure on; a call that succeeds at once without them reads no clock and adds nothing.
   */
  totalTime: number;
}
