import { Backoff, callThrough, sessionThrough } from "../backoff.js";
import type { BackoffOptions, BackoffStatistics } from "../backoff-options.js";
import type { Retried } from "../call-run.js";
import { backoffDescriber } from "../decorators/async-backoff.js";
import {
  createRetryDecorator,
  type RetryDecorator,
  type Runner,
} from "../decorators/retry-decorator.js";
import { anyError } from "../introspection/policy-description.js";
import { describeValue } from "../policy.js";
import { Context } from "./context.js";
import { loopStrategy } from "./context-loop.js";
import { checkLogger, type RetryLogger } from "./logger.js";
import { runSyncRetryLoop, type SyncRetried } from "./sync-retry-loop.js";

type ErrorClass = abstract new (...args: never[]) => unknown;

/** The error classes a {@link Retry} retries: one class, a list, or `undefined` for any thrown value. */
export type RetryExceptions = ErrorClass | readonly ErrorClass[] | undefined | null;

/** Options of {@link Retry}. */
export interface RetryObjectOptions {
  /** Receives a `warn` line for each failed try that is retried. @default the context's logger */
  logger?: RetryLogger;
  /**
   * A retry budget shared with other policies: synchronous and asynchronous calls spend and refill
   * it as the engine's do (a refused retry ends the call, stop reason `"budget"`).
   */
  budget?: BackoffOptions["budget"];
  /**
   * A circuit breaker shared with other policies: asked before every try, in both the synchronous
   * loop and the engine (an open circuit ends the call with `BrokenCircuitError`).
   */
  breaker?: BackoffOptions["breaker"];
}

/**
 * A decorator that keeps the nature of what it decorates: a synchronous function stays
 * synchronous (and blocks the thread during non-zero pauses), an async function stays async.
 * Works as a plain wrapper, a TC39 method decorator and a legacy method decorator.
 */
export interface SyncRetryDecorator {
  /** Plain wrapper: the returned function has the same type as `fn`. */
  <This, A extends unknown[], R>(fn: (this: This, ...args: A) => R): (this: This, ...args: A) => R;
  /** TC39 standard method decorator. */
  <This, A extends unknown[], R>(
    value: (this: This, ...args: A) => R,
    context: ClassMethodDecoratorContext<This, (this: This, ...args: A) => R>,
  ): (this: This, ...args: A) => R;
  /** Legacy (`experimentalDecorators`) method decorator. */
  <T>(
    target: object,
    key: string | symbol,
    descriptor: TypedPropertyDescriptor<T>,
  ): TypedPropertyDescriptor<T>;
}

/**
 * kaioretry's `Retry` object: a decorator, plus `.retry` and `.aioretry` to choose explicitly.
 *
 * Used directly, it picks by the nature of the function: async functions (`async function`) go
 * through the engine; async generator functions are retried as sessions; any other function is
 * called synchronously, and if its first try returns a thenable (a promise), the rest of the call
 * goes through the engine asynchronously; otherwise it stays synchronous.
 */
export interface Retrier extends SyncRetryDecorator {
  /** Always synchronous: failures thrown synchronously are retried; a returned promise is the result. */
  readonly retry: SyncRetryDecorator;
  /** Always asynchronous, through the `Backoff` engine: the wrapper returns a promise. */
  readonly aioretry: RetryDecorator;
  /** The Context in use. */
  readonly context: Context;
  /** The engine this Retry runs its asynchronous calls on (its `policy` also drives the sync loop). */
  readonly backoff: Backoff;
}

let defaultContext: Context | undefined;

function checkExceptions(value: unknown): Pick<BackoffOptions, "exceptions" | "retryIf"> {
  if (value === undefined || value === null) return { retryIf: anyError };
  if (typeof value === "function") return { exceptions: [value as ErrorClass] };
  if (Array.isArray(value)) {
    if (value.length === 0) {
      throw new RangeError(
        'Retry: "exceptions" must list at least one error class, got an empty array',
      );
    }
    return { exceptions: value as ErrorClass[] };
  }
  throw new TypeError(
    `Retry: "exceptions" must be an error class or an array of them, got ${describeValue(value)}`,
  );
}

const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;

function isAsyncFunction(fn: Function): boolean {
  return (
    fn instanceof AsyncFunction ||
    (fn as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] === "AsyncFunction"
  );
}

/**
 * kaioretry's `Retry(exceptions, context, { logger })`: retries a function when it throws one of
 * `exceptions` (any thrown value when omitted), as many times and with the pauses that `context`
 * says (by default: unlimited tries, no pause). Call it without `new`.
 *
 * The asynchronous path runs on the `Backoff` engine; the synchronous path runs a synchronous
 * loop that takes every decision from the same compiled policy. A synchronous call **blocks the
 * thread** during each non-zero pause (nothing else runs meanwhile): keep synchronous pauses short,
 * or use `.aioretry`.
 *
 * @example
 * ```ts
 * import { Context, Retry } from "@retrykit/retry-core";
 * const retry = Retry([TypeError], new Context({ tries: 3, delay: 10 }));
 * const parse = retry((text: string) => JSON.parse(text)); // still synchronous
 * const load = retry(async (url: string) => (await fetch(url)).json()); // still async
 * class Repository {
 *   @retry.aioretry
 *   async find(id: string) {
 *     return { id };
 *   }
 * }
 * ```
 */
export function Retry(
  exceptions?: RetryExceptions,
  context?: Context,
  options: RetryObjectOptions = {},
): Retrier {
  const filter = checkExceptions(exceptions);
  if (context !== undefined && !(context instanceof Context)) {
    throw new TypeError(`Retry: "context" must be a Context, got ${describeValue(context)}`);
  }
  const ctx = context ?? (defaultContext ??= new Context());
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Retry: options must be an object, got ${describeValue(options)}`);
  }
  const logger = checkLogger("Retry", options.logger, ctx.logger);
  const backoff = new Backoff({
    ...filter,
    maxTries: ctx.tries < 0 ? null : ctx.tries,
    pause: loopStrategy(ctx, logger),
    clock: ctx.clock,
    budget: options.budget,
    breaker: options.breaker,
  });
  const policy = backoff.policy;
  // The live counters behind the read-only view: synchronous calls count there as async ones do.
  const stats = backoff.statistics as BackoffStatistics;
  const sleepFor = ctx.blockingSleep;

  const viaEngine = (thisArg: unknown, fn: Retried, args: unknown[]): Promise<unknown> =>
    callThrough(backoff, thisArg, undefined, fn, args);
  const stream: Runner["stream"] = (thisArg, fn, args) =>
    sessionThrough(backoff, undefined, thisArg, undefined, fn, args);
  // Runner.call is typed as returning a promise because the engine's decorators always do; the
  // adapter passes whatever it returns through unchanged, which lets the sync runners return values.
  const syncCall = (thisArg: unknown, fn: Retried, args: unknown[]) =>
    runSyncRetryLoop(policy, stats, sleepFor, thisArg, fn as SyncRetried, args) as Promise<unknown>;
  const autoCall = (thisArg: unknown, fn: Retried, args: unknown[]): Promise<unknown> => {
    if (isAsyncFunction(fn)) return viaEngine(thisArg, fn, args);
    return runSyncRetryLoop(policy, stats, sleepFor, thisArg, fn as SyncRetried, args, (first) => {
      // The first try answered with a promise: it is an async function in all but name. Let the
      // engine own the call from here, starting from that promise as its attempt 1.
      let pending: PromiseLike<unknown> | undefined = first;
      return viaEngine(
        thisArg,
        function continued(this: unknown, ...rest: unknown[]) {
          if (pending === undefined) return fn.apply(this, rest);
          const result = pending;
          pending = undefined;
          return result;
        },
        args,
      );
    }) as Promise<unknown>;
  };

  const auto = createRetryDecorator(
    "Retry",
    { call: autoCall, stream },
    backoffDescriber(backoff, "Retry", "auto"),
  ) as unknown as Retrier;
  const sync = createRetryDecorator(
    "Retry.retry",
    { call: syncCall, stream },
    backoffDescriber(backoff, "Retry.retry", "sync"),
  );
  const aio = createRetryDecorator(
    "Retry.aioretry",
    { call: viaEngine, stream },
    backoffDescriber(backoff, "Retry.aioretry", "async"),
  );
  return Object.defineProperties(auto, {
    retry: { value: sync as unknown as SyncRetryDecorator, enumerable: true },
    aioretry: { value: aio, enumerable: true },
    context: { value: ctx, enumerable: true },
    backoff: { value: backoff, enumerable: true },
  });
}
