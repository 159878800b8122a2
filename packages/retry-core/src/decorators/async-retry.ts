import { Backoff } from "../backoff.js";
import type { BackoffOptions } from "../backoff-options.js";
import { anyError } from "../introspection/policy-description.js";
import { backoffDecorator } from "./async-backoff.js";
import type { RetryDecorator } from "./retry-decorator.js";

/**
 * aiomisc's `asyncretry`: up to `maxTries` attempts with no time limits. Unlike `asyncBackoff`, it
 * retries any thrown value unless `exceptions` or `retryIf` narrow it. Retrying everything is handy
 * but can hammer a failing remote service: prefer a list of exceptions for calls made many times a
 * second.
 *
 * @example
 * ```ts
 * import { asyncRetry } from "@retrykit/retry-core";
 * const lock = asyncRetry(3, { pause: 50 })(async () => "acquired");
 * await lock();
 * ```
 */
export function asyncRetry(
  maxTries: number,
  options: Omit<BackoffOptions, "maxTries"> = {},
): RetryDecorator {
  const narrowed =
    (options.exceptions !== undefined && options.exceptions.length > 0) ||
    options.retryIf !== undefined;
  return backoffDecorator(
    "asyncRetry",
    new Backoff({ ...options, maxTries, retryIf: narrowed ? options.retryIf : anyError }),
  );
}
