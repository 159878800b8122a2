import { linkAbort } from "./abort-link.js";
import { type Clock, systemClock, unrefTimer } from "./clock.js";
import { checkDuration } from "./policy.js";

/** Options of `sleep`. */
export interface SleepOptions {
  /** Ends the sleep at once, rejecting with `signal.reason`. */
  signal?: AbortSignal | undefined;
  /** Source of time. @default systemClock */
  clock?: Clock | undefined;
  /** Let the timer not keep Node.js alive. @default false */
  unref?: boolean | undefined;
}

/**
 * Waits `ms` milliseconds (0 resolves without a timer). An abort, even one that happened before the
 * call, rejects at once with `signal.reason`, clears the timer and removes the listener.
 *
 * @example
 * ```ts
 * import { sleep } from "@retrykit/retry-core";
 * await sleep(100, { signal: AbortSignal.timeout(1_000) });
 * ```
 */
export function sleep(ms: number, options: SleepOptions = {}): Promise<void> {
  const delay = checkDuration("ms", ms) ?? 0;
  const { signal, clock = systemClock, unref = false } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (delay === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    let unlink: (() => void) | undefined;
    const timer = clock.setTimeout(() => {
      unlink?.();
      resolve();
    }, delay);
    if (unref) unrefTimer(timer);
    // One listener per signal, shared by every sleep (and call) waiting on it.
    if (signal !== undefined) {
      unlink = linkAbort(signal, (reason) => {
        clock.clearTimeout(timer);
        reject(reason);
      });
    }
  });
}
