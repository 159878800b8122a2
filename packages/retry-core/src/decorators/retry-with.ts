import { type Backoff, callThrough, sessionThrough } from "../backoff.js";
import type { BackoffOptions } from "../backoff-options.js";
import { checkDuration, describeValue } from "../policy.js";
import type { SessionSettings } from "../session-run.js";
import { createRetryDecorator, type RetryDecorator } from "./retry-decorator.js";

/** Per-call settings of `retryWith`. */
export interface RetryWithOptions<This, Args extends unknown[]> {
  /** The signal of each call, from the instance and the arguments (`undefined` = the Backoff's own). */
  signal?: (self: This, args: Args) => AbortSignal | undefined;
  /** Sessions: replaces the Backoff's `resume`. */
  resume?: BackoffOptions["resume"];
  /** Sessions: replaces the Backoff's `idleTimeout`. */
  idleTimeout?: number | null;
}

/**
 * A decorator whose Backoff is chosen per call, from the instance and the arguments, so that
 * settings held by the instance (its retry budget, its timeouts) apply at call time. A selector
 * returning `null` or `undefined` calls the method once, without retrying.
 *
 * @example
 * ```ts
 * import { Backoff, retryWith } from "@retrykit/retry-core";
 * class Client {
 *   constructor(readonly retries: Backoff | null) {}
 *   @retryWith((self: Client) => self.retries)
 *   async ping(): Promise<string> {
 *     return "pong";
 *   }
 * }
 * await new Client(new Backoff({ maxTries: 3, retryIf: () => true })).ping();
 * ```
 */
export function retryWith<This, Args extends unknown[]>(
  select: (self: This, args: Args) => Backoff | null | undefined,
  call: RetryWithOptions<This, Args> = {},
): RetryDecorator {
  if (typeof select !== "function") {
    throw new TypeError(`retryWith: select must be a function, got ${describeValue(select)}`);
  }
  const signalOf = call.signal;
  if (signalOf !== undefined && typeof signalOf !== "function") {
    throw new TypeError(`retryWith: signal must be a function, got ${describeValue(signalOf)}`);
  }
  if (call.resume !== undefined && typeof call.resume !== "function") {
    throw new TypeError(`retryWith: resume must be a function, got ${describeValue(call.resume)}`);
  }
  const idleTimeout = checkDuration("idleTimeout", call.idleTimeout);
  const overrides = call.resume !== undefined || idleTimeout !== undefined;
  return createRetryDecorator("retryWith", {
    call(thisArg, fn, args) {
      const backoff = select(thisArg as This, args as Args);
      if (backoff === null || backoff === undefined) {
        try {
          return Promise.resolve(fn.apply(thisArg, args));
        } catch (error) {
          return Promise.reject(error);
        }
      }
      const signal = signalOf?.(thisArg as This, args as Args);
      return callThrough(backoff, thisArg, signal, fn, args);
    },
    stream(thisArg, fn, args) {
      const backoff = select(thisArg as This, args as Args);
      if (backoff === null || backoff === undefined) return fn.apply(thisArg, args);
      const signal = signalOf?.(thisArg as This, args as Args);
      let settings: SessionSettings | undefined;
      if (overrides) {
        settings = {
          resume: call.resume ?? backoff.policy.resume,
          idleTimeout: idleTimeout ?? backoff.policy.idleTimeout,
        };
      }
      return sessionThrough(backoff, settings, thisArg, signal, fn, args);
    },
  });
}
