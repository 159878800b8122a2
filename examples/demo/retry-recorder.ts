import type { RetryHistory } from "@retrykit/retry-core";
import { S2Error, type S2RetryEvent } from "@retrykit/s2-client";

/** One retry seen by the recorder: which attempt failed, why, when, and the pause before the next. */
export interface RecordedRetry {
  /** The RPC retried (`CheckTail`, `AppendSession`, ...). */
  readonly rpc: string;
  /** Attempt that failed (1-based). */
  readonly attempt: number;
  /** gRPC status name (`UNAVAILABLE`, `DEADLINE_EXCEEDED` for timeouts). */
  readonly cause: string;
  /** When the failure was seen, in `performance.now()` milliseconds. */
  readonly at: number;
  /** Pause before the next attempt, ms: the server's `retry-after-ms` hint when it gave one. */
  readonly pause: number;
  /** Whether the pause came from the server's hint rather than the backoff strategy. */
  readonly hinted: boolean;
}

/** The name a failure is counted under. */
export function causeOf(error: unknown): string {
  if (S2Error.is(error)) return error.codeName;
  if (error instanceof Error) return error.name;
  return typeof error;
}

/**
 * Collects a client's retries through its `onRetry` option: counts them by cause and keeps each
 * one, in order, for a timeline. The client calls the hook after every failed attempt it will
 * retry (unary calls, append sessions, read sessions), with the RPC, the error and the pause.
 */
export class RetryRecorder {
  /** Retries per cause, over every call. */
  readonly byCause = new Map<string, number>();
  /** Every retry, in the order they happened. */
  readonly retries: RecordedRetry[] = [];
  /** The failure history of each call that retried, in the order of their first retry. */
  readonly histories: RetryHistory[] = [];

  /** Total retries. */
  get total(): number {
    return this.retries.length;
  }

  /** The hook to give the client: `new S2({ onRetry: recorder.onRetry })`. */
  readonly onRetry = (event: S2RetryEvent): void => {
    const cause = event.error.codeName;
    this.byCause.set(cause, (this.byCause.get(cause) ?? 0) + 1);
    // The engine hands every retry of a call the same (growing) history object.
    if (!this.histories.includes(event.history)) this.histories.push(event.history);
    const hint = event.error.retryAfterMs;
    this.retries.push({
      rpc: event.rpc,
      attempt: event.attempt,
      cause,
      at: performance.now(),
      pause: event.delay,
      hinted: hint !== undefined && hint === event.delay,
    });
  };
}
