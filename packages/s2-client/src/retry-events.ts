import { status } from "@grpc/grpc-js";
import type { GiveUpEvent, RetryEvent, RetryHistory, StopReason } from "@retrykit/retry-core";
import { S2Error } from "./errors.js";
import { type Rpc, retryCodeOf } from "./retry-table.js";

/** Passed to the `onRetry` option of `new S2(...)` after a failed attempt, before the pause. */
export interface S2RetryEvent {
  /** The RPC being retried: `"CheckTail"`, `"AppendSession"`, `"ReadSession"`, ... */
  readonly rpc: Rpc;
  /** The attempt that failed, 1-based (for sessions, counted since the session last made progress). */
  readonly attempt: number;
  /** Why it failed. An attempt or idle timeout appears as `DEADLINE_EXCEEDED`, with the timeout as `cause`. */
  readonly error: S2Error;
  /** The pause before the next attempt, ms (the server's `retry-after-ms` when it gave one). */
  readonly delay: number;
  /** Milliseconds since the call (or session) started. */
  readonly elapsed: number;
  /** The call's attempts so far (errors as they were thrown), the failed one last; it keeps growing. */
  readonly history: RetryHistory;
}

/** Passed to the `onGiveUp` option of `new S2(...)` when a call fails for good with an `S2Error`. */
export interface S2GiveUpEvent {
  /** The RPC that failed. */
  readonly rpc: Rpc;
  /** The last attempt made, 1-based. */
  readonly attempt: number;
  /** The failure (the call rejects with it, or with the timeout it wraps). */
  readonly error: S2Error;
  /**
   * Why there is no further attempt: `"not-retryable"` (the retry table says no, or retries are
   * off for this call), `"max-tries"` (`maxRetries` used up), `"giveup"` (the table refused a
   * failure the engine would otherwise retry, such as an attempt timeout) or `"deadline"`.
   */
  readonly reason: Exclude<StopReason, "aborted">;
  /** Milliseconds since the call (or session) started. */
  readonly elapsed: number;
  /** The call's attempts and why it stopped (as `retryHistory(error)` returns it). */
  readonly history: RetryHistory;
}

/** The client's retry hooks, as given in the options. */
export interface RetryHooks {
  readonly onRetry: ((event: S2RetryEvent) => void) | undefined;
  readonly onGiveUp: ((event: S2GiveUpEvent) => void) | undefined;
}

/**
 * A failure as an `S2Error`: S2 errors as they are, the engine's timeouts as `DEADLINE_EXCEEDED`
 * and anything else coded as the retry table sees it (`UNKNOWN` when it has no code), each keeping
 * the original as `cause`.
 */
function asS2Error(error: unknown): S2Error {
  if (S2Error.is(error)) return error;
  const code = retryCodeOf(error) ?? status.UNKNOWN;
  const message = error instanceof Error ? error.message : String(error);
  return new S2Error(message, { code, cause: error });
}

/**
 * The engine hooks of one RPC's Backoff, forwarding to the client's hooks with the RPC's name and
 * the error as an `S2Error`. The engine ignores what a hook throws, so a failing hook never
 * changes the outcome of a call. Failures that are not S2 failures (bad input found while the call
 * ran, a bug) are not reported to `onGiveUp`: nothing was retried or given up on.
 *
 * @internal
 */
export function engineHooks(
  rpc: Rpc,
  hooks: RetryHooks,
): {
  onRetry?: (event: RetryEvent) => void;
  onGiveUp?: (event: GiveUpEvent) => void;
} {
  const result: {
    onRetry?: (event: RetryEvent) => void;
    onGiveUp?: (event: GiveUpEvent) => void;
  } = {};
  const { onRetry, onGiveUp } = hooks;
  if (onRetry !== undefined) {
    result.onRetry = (event) =>
      onRetry({
        rpc,
        attempt: event.attempt,
        error: asS2Error(event.error),
        delay: event.delay,
        elapsed: event.elapsed,
        history: event.history,
      });
  }
  if (onGiveUp !== undefined) {
    result.onGiveUp = (event) => {
      if (event.reason === "aborted") return;
      if (!S2Error.is(event.error) && retryCodeOf(event.error) === undefined) return;
      onGiveUp({
        rpc,
        attempt: event.attempt,
        error: asS2Error(event.error),
        reason: event.reason,
        elapsed: event.elapsed,
        history: event.history,
      });
    };
  }
  return result;
}
