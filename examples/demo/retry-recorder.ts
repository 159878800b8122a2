import type { DelaySequence, DelayStrategy } from "@retrykit/retry-core";
import { S2Error } from "@retrykit/s2-client";

/** One retry seen by the recorder: which attempt failed, why, when, and the pause before the next. */
export interface RecordedRetry {
  /** Attempt that failed (1-based). */
  readonly attempt: number;
  /** gRPC status name (`UNAVAILABLE`) or error name (`TimeoutError`). */
  readonly cause: string;
  /** When the failure was seen, in `performance.now()` milliseconds. */
  readonly at: number;
  /** Pause before the next attempt, ms: the server's `retry-after-ms` hint when it gave one. */
  readonly pause: number;
  /** Whether the pause came from the server's hint rather than the strategy. */
  readonly hinted: boolean;
}

/** The name a retry is counted under. */
export function causeOf(error: unknown): string {
  if (S2Error.is(error)) return error.codeName;
  if (error instanceof Error) return error.name;
  return typeof error;
}

/**
 * Watches a client's retries through the one hook its options offer: the delay strategy
 * (`retryBackoff`). The engine asks the strategy for a pause after every failed attempt that it will
 * retry, with the error, so wrapping it counts retries by cause and records each call's timeline
 * without changing a single pause. One sequence is begun per retried call.
 */
export class RetryRecorder {
  readonly #inner: DelayStrategy;
  /** Retries per cause, over every call. */
  readonly byCause = new Map<string, number>();
  /** Timelines of the calls that retried, in the order of their first retry. */
  readonly calls: RecordedRetry[][] = [];

  constructor(inner: DelayStrategy) {
    this.#inner = inner;
  }

  /** Total retries. */
  get total(): number {
    let sum = 0;
    for (const count of this.byCause.values()) sum += count;
    return sum;
  }

  /** The strategy to give the client (`new S2({ retryBackoff: recorder.strategy })`). */
  readonly strategy: DelayStrategy = {
    begin: (): DelaySequence => {
      const inner = this.#inner.begin();
      const timeline: RecordedRetry[] = [];
      this.calls.push(timeline);
      return {
        next: (attempt, error) => {
          const planned = inner.next(attempt, error);
          const hint = S2Error.is(error) ? error.retryAfterMs : undefined;
          const cause = causeOf(error);
          this.byCause.set(cause, (this.byCause.get(cause) ?? 0) + 1);
          timeline.push({
            attempt,
            cause,
            at: performance.now(),
            pause: hint ?? planned,
            hinted: hint !== undefined,
          });
          return planned;
        },
      };
    },
  };
}
