import type { CallHistory, RetryHistory } from "./call-history.js";

// Keyed by the thrown object itself: the error is never wrapped, changed or given a property, and
// the entry goes away with it.
const histories = new WeakMap<object, CallHistory>();

/** Objects and functions can be WeakMap keys; primitives cannot, so they have no history. */
function isKey(value: unknown): value is object {
  return (typeof value === "object" && value !== null) || typeof value === "function";
}

/**
 * Links a thrown value to the history of the call that threw it (the last such call wins when one
 * object is thrown by several). Primitives cannot be keys: they have no history. @internal
 */
export function bindHistory(error: unknown, history: CallHistory): void {
  if (isKey(error)) histories.set(error, history);
}

/**
 * Gives `to` the history of `from`, if it has one: for a layer above the engine that throws
 * another error than the engine's (a cause unwrapped, a response turned into an error). @internal
 */
export function carryHistory(from: unknown, to: unknown): void {
  if (from === to || !isKey(from)) return;
  const history = histories.get(from);
  if (history !== undefined) bindHistory(to, history);
}

/**
 * The failure history of the call that threw `error`: its attempts (number, start and duration on
 * the engine's clock, outcome, the pause chosen and where it came from, hedged or not), why it
 * stopped, and how many attempts were left out to keep it bounded. `undefined` for a value no
 * retried call threw (and for primitives, which cannot be looked up).
 *
 * The error itself is the original one, unchanged: the history is kept aside, for as long as the
 * error is alive. A `RetryError` (`errors: "aggregate"`) has the history too.
 *
 * @example
 * ```ts
 * import { Backoff, retryHistory } from "@retrykit/retry-core";
 * const backoff = new Backoff({ maxTries: 3, pause: 100, retryIf: () => true });
 * try {
 *   await backoff.execute(async () => { throw new Error("down"); });
 * } catch (error) {
 *   const history = retryHistory(error);
 *   console.log(history?.stopReason, history?.attempts.map((a) => a.delay)); // "max-tries" [100, 100, undefined]
 * }
 * ```
 */
export function retryHistory(error: unknown): RetryHistory | undefined {
  return isKey(error) ? histories.get(error) : undefined;
}
