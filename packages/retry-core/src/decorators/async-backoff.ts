import { Backoff, callThrough, fastOwnerOf, sessionThrough } from "../backoff.js";
import type { BackoffOptions } from "../backoff-options.js";
import { describePolicy } from "../introspection/policy-description.js";
import type { Describer } from "../introspection/registry.js";
import type { Pause } from "../strategies/delay-strategy.js";
import { createRetryDecorator, type RetryDecorator } from "./retry-decorator.js";

type ErrorClass = abstract new (...args: never[]) => unknown;

/**
 * aiomisc's `asyncbackoff`: retries a function or method under a time limit per attempt, a deadline
 * for the whole call, a pause between attempts and an exception filter. With no `exceptions`, only
 * attempt timeouts are retried. The result decorates TC39 and legacy methods, or wraps a function.
 *
 * @example
 * ```ts
 * import { asyncBackoff } from "@retrykit/retry-core";
 * // positional, as in aiomisc: attemptTimeout, deadline, pause, ...exceptions
 * const fetchText = asyncBackoff(500, 5_000, 100, TypeError)(async (url: string) => {
 *   return (await fetch(url)).text();
 * });
 *
 * class Repository {
 *   @asyncBackoff({ attemptTimeout: 100, deadline: 1_000, pause: 10, maxTries: 3, exceptions: [Error] })
 *   async load(id: string) {
 *     return { id };
 *   }
 * }
 * ```
 */
export function asyncBackoff(
  attemptTimeout: number | null | undefined,
  deadline: number | null | undefined,
  pause?: Pause,
  ...exceptions: ErrorClass[]
): RetryDecorator;
export function asyncBackoff(options: BackoffOptions): RetryDecorator;
export function asyncBackoff(
  first?: BackoffOptions | number | null,
  deadline?: number | null,
  pause?: Pause,
  ...exceptions: ErrorClass[]
): RetryDecorator {
  const options: BackoffOptions =
    typeof first === "object" && first !== null
      ? first
      : { attemptTimeout: first, deadline, pause, exceptions };
  return backoffDecorator("asyncBackoff", new Backoff(options));
}

/** @internal A decorator running every call through one Backoff. */
export function backoffDecorator(name: string, backoff: Backoff): RetryDecorator {
  return createRetryDecorator(
    name,
    {
      call: (thisArg, fn, args) => callThrough(backoff, thisArg, undefined, fn, args),
      fast: fastOwnerOf(backoff),
      stream: (thisArg, fn, args) =>
        sessionThrough(backoff, undefined, thisArg, undefined, fn, args),
    },
    backoffDescriber(backoff, name),
  );
}

/** @internal Describes the wrappers of a decorator running every call through one Backoff. */
export function backoffDescriber(
  backoff: Backoff,
  decorator: string,
  mode?: "auto" | "sync" | "async",
): Describer {
  return {
    describe: (kind, name) =>
      describePolicy(backoff.policy, kind, decorator, name, mode === undefined ? {} : { mode }),
  };
}
