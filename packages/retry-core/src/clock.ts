/**
 * The source of time for the retry engine. Injecting one makes every timing rule testable without
 * waiting (see `ManualClock`).
 */
export interface Clock {
  /** Monotonic time in milliseconds; only differences between readings are meaningful. */
  now(): number;
  /** Runs `callback` once after `ms` milliseconds and returns a handle for `clearTimeout`. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancels a timer created by this clock's `setTimeout`; unknown or spent handles are ignored. */
  clearTimeout(handle: unknown): void;
}

/**
 * The real clock: `performance.now()` for time and the global timers for waiting.
 *
 * @example
 * ```ts
 * import { Backoff, systemClock } from "@retrykit/retry-core";
 * const backoff = new Backoff({ deadline: 1_000, clock: systemClock });
 * ```
 */
export const systemClock: Clock = Object.freeze({
  now: () => performance.now(),
  setTimeout: (callback: () => void, ms: number): unknown => setTimeout(callback, ms),
  clearTimeout: (handle: unknown): void => clearTimeout(handle as ReturnType<typeof setTimeout>),
});

/**
 * Lets a timer handle stop holding the process open, when the handle supports it (Node.js timers do;
 * browser timer ids and test clocks' handles do not need to).
 *
 * @internal
 */
export function unrefTimer(handle: unknown): void {
  if (typeof handle === "object" && handle !== null && "unref" in handle) {
    const unref = (handle as { unref?: unknown }).unref;
    if (typeof unref === "function") unref.call(handle);
  }
}

/**
 * Runs `callback` on the macrotask queue, after pending I/O and timers had their turn. Used to break
 * long runs of zero-delay retries, which would otherwise starve timers and abort events.
 *
 * @internal
 */
export const yieldToMacrotasks: (callback: () => void) => void =
  typeof setImmediate === "function"
    ? (callback) => {
        setImmediate(callback);
      }
    : (callback) => {
        setTimeout(callback, 0);
      };
