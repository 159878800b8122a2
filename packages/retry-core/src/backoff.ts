import type { BackoffOptions, BackoffStatistics } from "./backoff-options.js";
import { executeCall, type Retried } from "./call-run.js";
import { CARRIED_ARGUMENTS, FirstAttemptOwner, fastExecute } from "./fast-call.js";
import { compilePolicy, describeValue, type RetryPolicy } from "./policy.js";
import { runSession, type SessionSettings, type StreamFactory } from "./session-run.js";
import { createStatistics } from "./statistics.js";

/** Per-call settings of `executeWith` and `session`. */
export interface CallOptions<T = unknown> {
  /** `this` for the retried function. */
  thisArg?: T;
  /** Cancels this call; replaces the Backoff's own `signal` when given. */
  signal?: AbortSignal | undefined;
}

let callInternal: (
  backoff: Backoff,
  thisArg: unknown,
  signal: AbortSignal | undefined,
  fn: Retried,
  args: unknown[],
) => Promise<unknown>;

let fastOwnerInternal: (backoff: Backoff) => FirstAttemptOwner | undefined;

let sessionInternal: (
  backoff: Backoff,
  settings: SessionSettings | undefined,
  thisArg: unknown,
  signal: AbortSignal | undefined,
  fn: StreamFactory,
  args: unknown[],
) => AsyncGenerator<unknown, void, undefined>;

/**
 * The retry engine, with aiomisc's `Backoff` semantics. Options are validated and compiled once;
 * one Backoff may run any number of concurrent calls and keeps statistics over all of them.
 *
 * - An attempt that runs longer than `attemptTimeout` is abandoned (its `currentAttempt().signal`
 *   aborts) and retried; attempt timeouts are always retryable.
 * - Other failures are retried only if they match `exceptions` or `retryIf`, `giveup` does not
 *   return true and fewer than `maxTries` attempts were made; otherwise the original error propagates.
 * - `deadline` bounds the whole call: it rejects with the last attempt's error, or a `TimeoutError`
 *   when no attempt had failed yet.
 * - `signal` cancels the call at once with `signal.reason`.
 *
 * @example
 * ```ts
 * import { Backoff, exponential } from "@retrykit/retry-core";
 * const backoff = new Backoff({
 *   attemptTimeout: 500,
 *   deadline: 5_000,
 *   pause: exponential({ initial: 100, max: 2_000 }),
 *   exceptions: [TypeError],
 * });
 * const text = await backoff.execute(async (url: string) => (await fetch(url)).text(), "https://example.com");
 * ```
 */
export class Backoff {
  readonly #policy: RetryPolicy;
  readonly #stats: BackoffStatistics = createStatistics();
  readonly #first: FirstAttemptOwner;

  constructor(options: BackoffOptions = {}) {
    this.#policy = compilePolicy(options);
    this.#first = new FirstAttemptOwner(this.#policy, this.#stats);
  }

  /** The compiled policy: the retry decisions, for loops of other shapes that must decide alike. */
  get policy(): RetryPolicy {
    return this.#policy;
  }

  /** Live counters over all calls of this Backoff (read-only view). */
  get statistics(): Readonly<BackoffStatistics> {
    return this.#stats;
  }

  /**
   * Calls `fn(...args)` once per attempt until it succeeds or the policy stops; resolves with its
   * result, or rejects with the original error (see the class description).
   */
  execute<A extends unknown[], R>(
    fn: (...args: A) => R | PromiseLike<R>,
    ...args: A
  ): Promise<Awaited<R>>;
  // Up to three arguments are taken as parameters and counted with `arguments.length`, which V8
  // reads without building the arguments object: a rest parameter would allocate an array on
  // every call, success or not (see `fastExecute`).
  execute(fn: Retried, a0?: unknown, a1?: unknown, a2?: unknown): Promise<unknown> {
    if (typeof fn !== "function") return Promise.reject(notAFunction("fn", fn));
    // biome-ignore lint/complexity/noArguments: the only way to count arguments without an array.
    const count = arguments.length - 1;
    const first = this.#first;
    if (first.fast && count <= CARRIED_ARGUMENTS) {
      return fastExecute(first, fn, count, a0, a1, a2);
    }
    // biome-ignore lint/complexity/noArguments: the arguments after `fn`, however many.
    const args = Array.prototype.slice.call(arguments, 1) as unknown[];
    return executeCall(this.#policy, this.#stats, first, undefined, this.#policy.signal, fn, args);
  }

  /** As `execute`, with a `this` for `fn` and a signal for this call. */
  executeWith<T, A extends unknown[], R>(
    call: CallOptions<T>,
    fn: (this: T, ...args: A) => R | PromiseLike<R>,
    ...args: A
  ): Promise<Awaited<R>> {
    if (typeof fn !== "function") return Promise.reject(notAFunction("fn", fn));
    return executeCall(
      this.#policy,
      this.#stats,
      this.#first,
      call.thisArg,
      call.signal ?? this.#policy.signal,
      fn as Retried,
      args,
    ) as Promise<Awaited<R>>;
  }

  /**
   * Retries a stream as a whole. `fn` (an async generator function, or any function returning an
   * AsyncIterable) is called again after a retryable failure and the consumer sees one uninterrupted
   * stream. After an attempt delivered items, the `resume` option gives the arguments of the next
   * attempt (so nothing is delivered twice); without `resume` such a failure ends the stream.
   * Once an attempt delivers an item, the attempt count and the delays start afresh. `idleTimeout`
   * bounds the wait for each item; `attemptTimeout` bounds the wait for an attempt's first item;
   * `deadline` bounds the whole session. Breaking out of the loop, `return()` and the signal close
   * the underlying generator (its `finally` blocks run); an error thrown in with `throw()` closes it
   * and propagates.
   *
   * @example
   * ```ts
   * import { Backoff } from "@retrykit/retry-core";
   * const backoff = new Backoff({
   *   maxTries: 5,
   *   retryIf: () => true,
   *   resume: ({ args: [from], delivered }) => [(from as number) + delivered],
   * });
   * async function* numbers(from: number) {
   *   for (let n = from; n < 10; n++) yield n;
   * }
   * for await (const n of backoff.session({}, numbers, 0)) console.log(n);
   * ```
   */
  session<T, A extends unknown[], Y>(
    call: CallOptions<T>,
    fn: (this: T, ...args: A) => AsyncIterable<Y>,
    ...args: A
  ): AsyncGenerator<Y, void, undefined> {
    if (typeof fn !== "function") throw notAFunction("fn", fn);
    return sessionInternal(
      this,
      undefined,
      call.thisArg,
      call.signal,
      fn as StreamFactory,
      args,
    ) as AsyncGenerator<Y, void, undefined>;
  }

  static {
    fastOwnerInternal = (backoff) => (backoff.#first.fast ? backoff.#first : undefined);
    callInternal = (backoff, thisArg, signal, fn, args) =>
      executeCall(
        backoff.#policy,
        backoff.#stats,
        backoff.#first,
        thisArg,
        signal ?? backoff.#policy.signal,
        fn,
        args,
      );
    sessionInternal = (backoff, settings, thisArg, signal, fn, args) => {
      const policy = backoff.#policy;
      return runSession(
        policy,
        backoff.#stats,
        settings ?? { resume: policy.resume, idleTimeout: policy.idleTimeout },
        thisArg,
        signal ?? policy.signal,
        fn,
        args,
      );
    };
  }
}

function notAFunction(name: string, value: unknown): TypeError {
  return new TypeError(`${name} must be a function, got ${describeValue(value)}`);
}

/** @internal Runs one call through `backoff` (used by the decorators). */
export function callThrough(
  backoff: Backoff,
  thisArg: unknown,
  signal: AbortSignal | undefined,
  fn: Retried,
  args: unknown[],
): Promise<unknown> {
  return callInternal(backoff, thisArg, signal, fn, args);
}

/** @internal Runs one session through `backoff` (used by the decorators). */
export function sessionThrough(
  backoff: Backoff,
  settings: SessionSettings | undefined,
  thisArg: unknown,
  signal: AbortSignal | undefined,
  fn: StreamFactory,
  args: unknown[],
): AsyncGenerator<unknown, void, undefined> {
  return sessionInternal(backoff, settings, thisArg, signal, fn, args);
}

/**
 * @internal The state the fast path of `backoff` shares between its calls, when every call without
 * a signal of its own may take it (no time limit, hook, hedging or policy-wide signal).
 */
export function fastOwnerOf(backoff: Backoff): FirstAttemptOwner | undefined {
  return fastOwnerInternal(backoff);
}
