import type { RetryPolicyDescription } from "./policy-description.js";
import { describeRecord, describeRecordFor, recordOf } from "./registry.js";

/**
 * How a function or method retries, read at run time: a frozen, plain description (JSON-friendly,
 * no functions) of anything wrapped or decorated by `asyncBackoff`, `asyncRetry`, `retryWith` or
 * kaioretry's `Retry` (and `retry` / `aioretry`); `undefined` for anything else.
 *
 * A `retryWith` method chooses its Backoff per call, so its description says `source:
 * "per-instance"`; pass the instance as `self` to add `resolved`, the policy its selector chooses
 * for that instance (the selector is called with no arguments). Calling it costs nothing on the
 * retried calls themselves: descriptions are built when first asked for, then cached.
 *
 * @example
 * ```ts
 * import { asyncBackoff, exponential, retryPolicyOf } from "@retrykit/retry-core";
 *
 * class Inventory {
 *   @asyncBackoff({ attemptTimeout: 500, maxTries: 3, pause: exponential({ initial: 100 }), exceptions: [TypeError] })
 *   async load(sku: string) {
 *     return { sku };
 *   }
 * }
 * retryPolicyOf(Inventory.prototype.load);
 * // { kind: "call", source: "fixed", decorator: "asyncBackoff", name: "load", maxTries: 3,
 * //   attemptTimeout: 500, deadline: null, pause: { strategy: "exponential", initial: 100, ... },
 * //   exceptions: ["TypeError"], anyError: false, retryIf: false, giveup: false, ... }
 * retryPolicyOf(() => 1); // undefined
 * ```
 */
export function retryPolicyOf(
  fnOrMethod: unknown,
  self?: unknown,
): RetryPolicyDescription | undefined {
  const record = recordOf(fnOrMethod);
  if (record === undefined) return undefined;
  return self === undefined ? describeRecord(record) : describeRecordFor(record, self);
}
