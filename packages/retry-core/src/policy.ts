import type {
  BackoffOptions,
  GiveUpEvent,
  ResumeState,
  RetryEvent,
  StopReason,
} from "./backoff-options.js";
import { type Clock, systemClock } from "./clock.js";
import { describeValue } from "./describe-value.js";
import { TimeoutError } from "./errors.js";
import { type DelaySequence, type DelayStrategy, MAX_DELAY } from "./strategies/delay-strategy.js";

type ErrorClass = abstract new (...args: never[]) => unknown;

/**
 * Options compiled once into a fixed-shape object holding every retry decision, so that each loop
 * of the package (the `Backoff` engine, sessions, the kaioretry and fetch layers) decides alike and
 * none re-reads options per call. A policy is immutable and shared by concurrent calls; per-call
 * state (the delay sequence) comes from `delaySequence()`.
 *
 * A loop uses it like this: after attempt `n` failed with `error` at `elapsed` ms, call
 * `stopReason(error, n, elapsed)`; if it returns a reason, give up with `error`. Otherwise
 * `nextDelay(sequence, n, error, elapsed)` gives the pause, or `undefined` when the deadline leaves
 * no room for another attempt (give up with reason `"deadline"`).
 *
 * @example
 * ```ts
 * import { compilePolicy } from "@retrykit/retry-core";
 * const policy = compilePolicy({ maxTries: 3, pause: 100, retryIf: () => true });
 * const sequence = policy.delaySequence();
 * policy.stopReason(new Error("boom"), 1, 0); // undefined: retry
 * policy.nextDelay(sequence, 1, new Error("boom"), 0); // 100
 * policy.stopReason(new Error("boom"), 3, 0); // "max-tries"
 * ```
 */
export interface RetryPolicy {
  /** Time limit of one attempt, ms; `undefined` = none. */
  readonly attemptTimeout: number | undefined;
  /** Time limit of the whole call, ms; `undefined` = none. */
  readonly deadline: number | undefined;
  /** Total attempts allowed (`Infinity` = unlimited). */
  readonly maxTries: number;
  /** Signal that cancels every call, if any. */
  readonly signal: AbortSignal | undefined;
  readonly clock: Clock;
  /** Whether timers are unreferenced. */
  readonly unref: boolean;
  /** Sessions: longest wait for an item, ms; `undefined` = none. */
  readonly idleTimeout: number | undefined;
  /** Sessions: how to continue after delivered items. */
  readonly resume: ((state: ResumeState) => readonly unknown[]) | undefined;
  /** True when a call needs the clock from its start (a time limit or a hook is set). */
  readonly timed: boolean;
  /** Whether `error` is worth another attempt (an attempt timeout, one of `exceptions`, or `retryIf`). */
  isRetryable(error: unknown): boolean;
  /**
   * Why not to retry after attempt `attempt` (1-based) failed with `error`, `elapsedMs` after the call
   * started; `undefined` = retry. Checks, in order: retryable, `giveup`, `maxTries`, deadline.
   */
  stopReason(error: unknown, attempt: number, elapsedMs: number): StopReason | undefined;
  /** A fresh delay sequence for one call. */
  delaySequence(): DelaySequence;
  /**
   * The pause after attempt `attempt` failed: the `retryAfter` hint if it gives one, else the next
   * delay of `sequence`; clamped to [0, 2^31-1]. `undefined` when a deadline is set and the pause
   * would reach it (no attempt could run afterwards).
   */
  nextDelay(
    sequence: DelaySequence,
    attempt: number,
    error: unknown,
    elapsedMs: number,
  ): number | undefined;
  /** The time limit for an attempt starting `elapsedMs` into the call: min(attemptTimeout, remaining); `undefined` = none. */
  attemptLimit(elapsedMs: number): number | undefined;
  /** Whether the limit `attemptLimit(elapsedMs)` returns is the deadline's (not the attempt timeout's). */
  limitIsDeadline(elapsedMs: number): boolean;
  /** Calls `onRetry`, ignoring what it throws or rejects with. */
  notifyRetry(event: RetryEvent): void;
  /** Calls `onGiveUp`, ignoring what it throws or rejects with. */
  notifyGiveUp(event: GiveUpEvent): void;
}

/** Validates a duration option: null/undefined = none, else a finite number in [0, 2^31-1]. */
export function checkDuration(name: string, value: unknown): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== "number") {
    throw new TypeError(
      `${name} must be a number of milliseconds or null, got ${describeValue(value)}`,
    );
  }
  if (!Number.isFinite(value) || value < 0 || value > MAX_DELAY) {
    throw new RangeError(
      `${name} must be a finite number of milliseconds in [0, ${MAX_DELAY}], got ${describeValue(value)}`,
    );
  }
  return value;
}

function checkFunction<F>(name: string, value: unknown): F | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "function") {
    throw new TypeError(`${name} must be a function, got ${describeValue(value)}`);
  }
  return value as F;
}

/**
 * `maxTries`: an integer >= 1, or unlimited, said explicitly with `Infinity` or `null` (or left
 * out). Every other number (0, 1.5, NaN, -Infinity) is a mistake, refused rather than rounded.
 */
function checkMaxTries(value: unknown): number {
  if (value === null || value === undefined || value === Number.POSITIVE_INFINITY) {
    return Number.POSITIVE_INFINITY;
  }
  const expected = "maxTries must be an integer >= 1, or Infinity or null for unlimited";
  if (typeof value !== "number") {
    throw new TypeError(`${expected}, got ${describeValue(value)}`);
  }
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${expected}, got ${describeValue(value)}`);
  }
  return value;
}

function checkExceptions(value: unknown): readonly ErrorClass[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    throw new TypeError(
      `exceptions must be an array of error classes, got ${describeValue(value)}`,
    );
  }
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== "function") {
      throw new TypeError(
        `exceptions[${i}] must be an error class (a constructor), got ${describeValue(value[i])}`,
      );
    }
  }
  return Object.freeze([...value]) as readonly ErrorClass[];
}

function checkSignal(value: unknown): AbortSignal | undefined {
  if (value === undefined || value === null) return undefined;
  if (
    typeof value !== "object" ||
    typeof (value as AbortSignal).addEventListener !== "function" ||
    typeof (value as AbortSignal).aborted !== "boolean"
  ) {
    throw new TypeError(`signal must be an AbortSignal, got ${describeValue(value)}`);
  }
  return value as AbortSignal;
}

function checkClock(value: unknown): Clock {
  if (value === undefined || value === null) return systemClock;
  const clock = value as Clock;
  if (
    typeof value !== "object" ||
    typeof clock.now !== "function" ||
    typeof clock.setTimeout !== "function" ||
    typeof clock.clearTimeout !== "function"
  ) {
    throw new TypeError(
      `clock must have now(), setTimeout() and clearTimeout() methods, got ${describeValue(value)}`,
    );
  }
  return clock;
}

/** A delay sequence that always answers the same pause; stateless, so one serves every call. */
class FixedSequence implements DelaySequence {
  readonly #delay: number;
  constructor(delay: number) {
    this.#delay = delay;
  }
  next(): number {
    return this.#delay;
  }
}

const noPause = new FixedSequence(0);

function checkPause(value: unknown): DelaySequence | DelayStrategy {
  if (value === null || value === undefined) return noPause;
  if (typeof value === "number") {
    const ms = checkDuration("pause", value) as number;
    return ms === 0 ? noPause : new FixedSequence(ms);
  }
  if (typeof value === "object" && typeof (value as DelayStrategy).begin === "function") {
    return value as DelayStrategy;
  }
  throw new TypeError(
    `pause must be a number of milliseconds, a delay strategy or null, got ${describeValue(value)}`,
  );
}

/** Clamps a delay to what a timer can wait; `NaN` (a broken strategy) must not become a hot loop. */
function clampDelay(delay: number, error: unknown): number {
  if (delay > 0) return Math.min(delay, MAX_DELAY);
  if (delay <= 0) return 0;
  throw new RangeError(`the pause strategy returned ${describeValue(delay)}`, { cause: error });
}

function ignoreFailure(): void {}

function callHook<E>(hook: ((event: E) => void) | undefined, event: E): void {
  if (hook === undefined) return;
  try {
    const result: unknown = hook(event);
    // An async hook's rejection must not surface as an unhandled rejection.
    if (typeof (result as PromiseLike<unknown> | undefined)?.then === "function") {
      (result as PromiseLike<unknown>).then(undefined, ignoreFailure);
    }
  } catch {
    // Hooks observe; they cannot change the outcome of the call.
  }
}

class CompiledPolicy implements RetryPolicy {
  readonly attemptTimeout: number | undefined;
  readonly deadline: number | undefined;
  readonly maxTries: number;
  readonly signal: AbortSignal | undefined;
  readonly clock: Clock;
  readonly unref: boolean;
  readonly idleTimeout: number | undefined;
  readonly resume: ((state: ResumeState) => readonly unknown[]) | undefined;
  readonly timed: boolean;
  readonly #exceptions: readonly ErrorClass[];
  readonly #retryIf: ((error: unknown) => boolean) | undefined;
  readonly #giveup: ((error: unknown) => boolean) | undefined;
  readonly #retryAfter: ((error: unknown) => number | undefined) | undefined;
  readonly #pause: DelaySequence | DelayStrategy;
  readonly #onRetry: ((event: RetryEvent) => void) | undefined;
  readonly #onGiveUp: ((event: GiveUpEvent) => void) | undefined;

  constructor(options: BackoffOptions) {
    this.attemptTimeout = checkDuration("attemptTimeout", options.attemptTimeout);
    this.deadline = checkDuration("deadline", options.deadline);
    this.idleTimeout = checkDuration("idleTimeout", options.idleTimeout);
    this.#pause = checkPause(options.pause);
    this.maxTries = checkMaxTries(options.maxTries);
    this.#exceptions = checkExceptions(options.exceptions);
    this.#retryIf = checkFunction("retryIf", options.retryIf);
    this.#giveup = checkFunction("giveup", options.giveup);
    this.#retryAfter = checkFunction("retryAfter", options.retryAfter);
    this.#onRetry = checkFunction("onRetry", options.onRetry);
    this.#onGiveUp = checkFunction("onGiveUp", options.onGiveUp);
    this.resume = checkFunction("resume", options.resume);
    this.signal = checkSignal(options.signal);
    this.clock = checkClock(options.clock);
    if (options.unref !== undefined && typeof options.unref !== "boolean") {
      throw new TypeError(`unref must be a boolean, got ${describeValue(options.unref)}`);
    }
    this.unref = options.unref === true;
    this.timed =
      this.attemptTimeout !== undefined ||
      this.deadline !== undefined ||
      this.#onRetry !== undefined ||
      this.#onGiveUp !== undefined;
  }

  isRetryable(error: unknown): boolean {
    if (error instanceof TimeoutError || TimeoutError.is(error)) {
      if (error.kind === "attempt") return true;
    }
    const exceptions = this.#exceptions;
    for (let i = 0; i < exceptions.length; i++) {
      if (error instanceof (exceptions[i] as ErrorClass)) return true;
    }
    return this.#retryIf !== undefined && this.#retryIf(error) === true;
  }

  stopReason(error: unknown, attempt: number, elapsedMs: number): StopReason | undefined {
    if (!this.isRetryable(error)) return "not-retryable";
    if (this.#giveup !== undefined && this.#giveup(error) === true) return "giveup";
    if (attempt >= this.maxTries) return "max-tries";
    if (this.deadline !== undefined && elapsedMs >= this.deadline) return "deadline";
    return undefined;
  }

  delaySequence(): DelaySequence {
    const pause = this.#pause;
    return pause instanceof FixedSequence ? pause : (pause as DelayStrategy).begin();
  }

  nextDelay(
    sequence: DelaySequence,
    attempt: number,
    error: unknown,
    elapsedMs: number,
  ): number | undefined {
    let delay: number | undefined;
    if (this.#retryAfter !== undefined) {
      const hint = this.#retryAfter(error);
      // A negative or NaN hint is unusable; fall back to the policy's own pause.
      if (typeof hint === "number" && hint >= 0) delay = hint;
    }
    // The sequence advances even when a hint wins, so that its attempt numbering stays aligned.
    const planned = sequence.next(attempt, error);
    delay = clampDelay(delay ?? planned, error);
    if (this.deadline !== undefined && elapsedMs + delay >= this.deadline) return undefined;
    return delay;
  }

  attemptLimit(elapsedMs: number): number | undefined {
    const deadline = this.deadline;
    if (deadline === undefined) return this.attemptTimeout;
    const remaining = deadline - elapsedMs;
    const timeout = this.attemptTimeout;
    return timeout === undefined || remaining <= timeout ? remaining : timeout;
  }

  limitIsDeadline(elapsedMs: number): boolean {
    const deadline = this.deadline;
    if (deadline === undefined) return false;
    const timeout = this.attemptTimeout;
    return timeout === undefined || deadline - elapsedMs <= timeout;
  }

  notifyRetry(event: RetryEvent): void {
    callHook(this.#onRetry, event);
  }

  notifyGiveUp(event: GiveUpEvent): void {
    callHook(this.#onGiveUp, event);
  }
}

/**
 * Validates `options` and compiles them into a `RetryPolicy`. Throws `TypeError`/`RangeError` naming
 * the option and its value. The options object is read once and never modified.
 */
export function compilePolicy(options: BackoffOptions = {}): RetryPolicy {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`options must be an object, got ${describeValue(options)}`);
  }
  return new CompiledPolicy(options);
}

/** @internal For error messages elsewhere in the package. */
export { describeValue };
