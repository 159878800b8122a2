import { Backoff, callThrough, sessionThrough } from "../backoff.js";
import type { BackoffOptions } from "../backoff-options.js";
import { describePerInstance, describePolicy } from "../introspection/policy-description.js";
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
  /**
   * Plain details for `retryPolicyOf` and `retriedMethods` (copied and frozen; e.g. the name of
   * the remote call), since the policy itself is only known per instance.
   */
  describe?: Readonly<Record<string, unknown>>;
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
  const details = call.describe;
  if (details !== undefined && (typeof details !== "object" || details === null)) {
    throw new TypeError(`retryWith: describe must be an object, got ${describeValue(details)}`);
  }
  const described = {
    signal: signalOf !== undefined,
    resume: call.resume !== undefined,
    idleTimeout,
    details: details === undefined ? undefined : Object.freeze({ ...details }),
  };
  return createRetryDecorator(
    "retryWith",
    {
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
    },
    {
      describe: (kind, name) => describePerInstance(kind, name, select, described),
      resolve(kind, name, self) {
        // Asked without a call: the selector sees the instance and no arguments.
        const backoff = select(self as This, [] as unknown as Args);
        if (backoff === null || backoff === undefined) return null;
        if (!(backoff instanceof Backoff)) return undefined;
        return describePolicy(backoff.policy, kind, "retryWith", name, {
          idleTimeout: kind === "session" ? idleTimeout : undefined,
          resume: kind === "session" && call.resume !== undefined ? true : undefined,
          details: described.details,
        });
      },
    },
  );
}
