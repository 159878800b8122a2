import type { RetryPolicy } from "../policy.js";

/** A function retried synchronously, as the loop sees it. @internal */
export type SyncRetried = (this: unknown, ...args: unknown[]) => unknown;

/**
 * What to do when an attempt returns a thenable: `undefined` (return it as the result) or a
 * function that takes over, given the thenable and the attempt number. @internal
 */
export type ThenableHandoff = (thenable: PromiseLike<unknown>, attempt: number) => unknown;

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
 * @param sleepFor blocks the thread for a non-zero pause.
 * @internal
 */
export function runSyncRetryLoop(
  policy: RetryPolicy,
  sleepFor: (ms: number) => void,
  thisArg: unknown,
  fn: SyncRetried,
  args: unknown[],
  handoff?: ThenableHandoff,
): unknown {
  // The clock is read only when a deadline needs it, as on the engine's fast path.
  const clock = policy.clock;
  const startedAt = policy.deadline === undefined ? 0 : clock.now();
  let sequence: ReturnType<RetryPolicy["delaySequence"]> | undefined;
  for (let attempt = 1; ; attempt++) {
    let result: unknown;
    try {
      result = fn.apply(thisArg, args);
    } catch (error) {
      const elapsed = policy.deadline === undefined ? 0 : clock.now() - startedAt;
      const reason = policy.stopReason(error, attempt, elapsed);
      if (reason !== undefined) {
        policy.notifyGiveUp({ attempt, error, reason, elapsed });
        throw error;
      }
      sequence ??= policy.delaySequence();
      const delay = policy.nextDelay(sequence, attempt, error, elapsed);
      if (delay === undefined) {
        policy.notifyGiveUp({ attempt, error, reason: "deadline", elapsed });
        throw error;
      }
      policy.notifyRetry({ attempt, error, delay, elapsed });
      if (delay > 0) sleepFor(delay);
      continue;
    }
    return handoff !== undefined && isThenable(result) ? handoff(result, attempt) : result;
  }
}
