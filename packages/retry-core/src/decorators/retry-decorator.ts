import type { Retried } from "../call-run.js";
import { CARRIED_ARGUMENTS, type FirstAttemptOwner, fastMethod } from "../fast-call.js";
import {
  addToContextMetadata,
  copyReflectMetadata,
  defineLegacyMetadata,
} from "../introspection/metadata.js";
import {
  type Describer,
  describeRecord,
  type RetriedRecord,
  recordRetried,
} from "../introspection/registry.js";
import { describeValue } from "../policy.js";
import type { StreamFactory } from "../session-run.js";

/**
 * What `asyncBackoff`, `asyncRetry` and `retryWith` return: at once a TC39 standard method decorator,
 * a legacy (`experimentalDecorators`) method decorator, and a plain wrapper. Async functions are
 * retried call by call; async generator functions (`async function*`) are retried as sessions.
 * Wrappers keep the original's `this`, `name` and `length`, and every `reflect-metadata` entry the
 * original held; `retryPolicyOf(wrapper)` describes how they retry.
 */
export interface RetryDecorator {
  /** Plain wrapper of an async generator function: the stream is retried as a session. */
  <This, A extends unknown[], Y>(
    fn: (this: This, ...args: A) => AsyncGenerator<Y, unknown, undefined>,
  ): (this: This, ...args: A) => AsyncGenerator<Y, void, undefined>;
  /** Plain wrapper: the returned function retries `fn`. */
  <This, A extends unknown[], R>(
    fn: (this: This, ...args: A) => R,
  ): (this: This, ...args: A) => Promise<Awaited<R>>;
  /** TC39 standard decorator of an async or async generator method. */
  <This, A extends unknown[], R extends PromiseLike<unknown> | AsyncIterable<unknown>>(
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

/** How a decorator runs a call or a stream, chosen when it was created. @internal */
export interface Runner {
  call(thisArg: unknown, fn: Retried, args: unknown[]): Promise<unknown>;
  /** When every call may take the engine's fast path: the state it shares (see `fastMethod`). */
  readonly fast?: FirstAttemptOwner | undefined;
  stream(thisArg: unknown, fn: StreamFactory, args: unknown[]): AsyncIterable<unknown>;
}

const AsyncGeneratorFunction = Object.getPrototypeOf(async function* () {}).constructor;

/** True for functions declared with `async function*` (and async generator methods). @internal */
export function isAsyncGeneratorFunction(fn: unknown): boolean {
  return (
    typeof fn === "function" &&
    (fn instanceof AsyncGeneratorFunction ||
      (fn as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] === "AsyncGeneratorFunction")
  );
}

function copyIdentity(wrapper: Function, original: Function): void {
  // `name` and `length` are configurable on functions, so the wrapper can look like the original.
  Object.defineProperty(wrapper, "name", { value: original.name, configurable: true });
  Object.defineProperty(wrapper, "length", { value: original.length, configurable: true });
}

function wrap(
  fn: Function,
  runner: Runner,
  describer: Describer | undefined,
): { wrapper: Function; record: RetriedRecord | undefined } {
  let wrapper: Function;
  const session = isAsyncGeneratorFunction(fn);
  if (session) {
    const stream = fn as StreamFactory;
    wrapper = function retriedStream(this: unknown, ...args: unknown[]) {
      return runner.stream(this, stream, args);
    };
  } else {
    const call = fn as Retried;
    const first = runner.fast;
    wrapper =
      first === undefined
        ? function retried(this: unknown, ...args: unknown[]) {
            return runner.call(this, call, args);
          }
        : // As `Backoff.execute`: up to three arguments travel in parameters, not in an array.
          function retried(this: unknown, a0?: unknown, a1?: unknown, a2?: unknown) {
            // biome-ignore lint/complexity/noArguments: the only way to count arguments without an array.
            const count = arguments.length;
            if (count > CARRIED_ARGUMENTS) {
              // biome-ignore lint/complexity/noArguments: the arguments, however many.
              return runner.call(this, call, Array.prototype.slice.call(arguments) as unknown[]);
            }
            return fastMethod(first, this, call, count, a0, a1, a2);
          };
  }
  copyIdentity(wrapper, fn);
  // Metadata other decorators stored on the original (a route, a validation rule) stays visible.
  copyReflectMetadata(fn, wrapper);
  const record =
    describer === undefined
      ? undefined
      : recordRetried(wrapper, describer, session ? "session" : "call", fn.name);
  return { wrapper, record };
}

function isDecoratorContext(value: unknown): value is DecoratorContext {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { kind?: unknown }).kind === "string" &&
    "name" in value
  );
}

/**
 * Builds a RetryDecorator over `runner`, telling the three call shapes apart:
 * `(fn)`, `(value, context)` with a TC39 context object, and `(target, key, descriptor)`. @internal
 */
export function createRetryDecorator(
  name: string,
  runner: Runner,
  describer?: Describer,
): RetryDecorator {
  function decorate(...input: unknown[]): unknown {
    const [value, context, descriptor] = input;
    if (input.length <= 1) {
      if (typeof value !== "function") {
        throw new TypeError(`${name}(...) can only wrap a function, got ${describeValue(value)}`);
      }
      return wrap(value, runner, describer).wrapper;
    }
    if (isDecoratorContext(context)) {
      if (context.kind !== "method" || typeof value !== "function") {
        throw new TypeError(
          `${name}(...) decorates methods only, not a ${context.kind} (${String(context.name)})`,
        );
      }
      const { wrapper, record } = wrap(value, runner, describer);
      if (record !== undefined) {
        addToContextMetadata(context as ClassMethodDecoratorContext, () => describeRecord(record));
      }
      return wrapper;
    }
    if (
      (typeof context === "string" || typeof context === "symbol") &&
      typeof descriptor === "object" &&
      descriptor !== null
    ) {
      const method = (descriptor as PropertyDescriptor).value;
      if (typeof method !== "function") {
        throw new TypeError(
          `${name}(...) decorates methods only; ${String(context)} is not a method`,
        );
      }
      const { wrapper, record } = wrap(method, runner, describer);
      if (record !== undefined) {
        defineLegacyMetadata(value as object, context, () => describeRecord(record));
      }
      return { ...(descriptor as PropertyDescriptor), value: wrapper };
    }
    throw new TypeError(
      `${name}(...) must decorate a method or wrap a function, got ${describeValue(value)}`,
    );
  }
  return decorate as RetryDecorator;
}
