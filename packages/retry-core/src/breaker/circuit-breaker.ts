import { SlidingWindow } from "../budget/sliding-window.js";
import { type Clock, systemClock } from "../clock.js";
import { describeValue } from "../describe-value.js";
import { type DelaySequence, type DelayStrategy, MAX_DELAY } from "../strategies/delay-strategy.js";
import { BrokenCircuitError } from "./broken-circuit-error.js";

/** Where a circuit breaker stands. */
export type CircuitState = "closed" | "open" | "half-open";

/** Opens the circuit on the failure ratio over a sliding window. */
export interface RatioThreshold {
  /** Failure ratio (0 < ratio <= 1) at or above which the circuit opens. */
  ratio: number;
  /** Calls the window must hold before the ratio counts (an integer >= 1). */
  minimumCalls: number;
  /** Length of the sliding window, ms; it moves in tenths (see `RetryBudget`). */
  window: number;
}

/** Passed to `onStateChange`. */
export interface CircuitStateChange {
  /** The new state. */
  state: CircuitState;
  /** The state before. */
  previous: CircuitState;
  /** The failure that opened the circuit, when `state` is `"open"`. */
  error?: unknown;
}

/** Options of `CircuitBreaker`. Durations are milliseconds. */
export interface CircuitBreakerOptions {
  /**
   * When to open: after this many consecutive failures (an integer >= 1), or on a failure ratio over
   * a sliding window. @default 5
   */
  threshold?: number | RatioThreshold;
  /**
   * How long the circuit stays open before it lets a probe through: ms, or a delay strategy whose
   * sequence advances each time the circuit opens again without having closed (attempt n = the
   * n-th opening in a row). @default 10_000
   */
  halfOpenAfter?: number | DelayStrategy;
  /** Probes let through at once while half-open (an integer >= 1). @default 1 */
  halfOpenProbes?: number;
  /** Source of time (`ManualClock` in tests); no timer is ever scheduled. @default systemClock */
  clock?: Clock;
  /** Told of every change of state (what it throws is ignored). */
  onStateChange?: (change: CircuitStateChange) => void;
}

/** @internal What `admit()` answers. */
export const REFUSED = 0;
/** @internal Admitted while closed. */
export const PASSED = 1;
/** @internal Admitted as a half-open probe. */
export const PROBE = 2;

/** @internal How an admitted attempt ended, for `record()`. */
export const SUCCEEDED = 0;
/** @internal A failure the policy counts as retryable. */
export const FAILED = 1;
/** @internal Abandoned (aborted, lost a hedge race): counted neither way. */
export const ABANDONED = 2;

const CLOSED = 0;
const OPEN = 1;
const HALF_OPEN = 2;
const NAMES: readonly CircuitState[] = ["closed", "open", "half-open"];

function fail(name: string, expected: string, value: unknown, range: boolean): never {
  const message = `CircuitBreaker: ${name} must be ${expected}, got ${describeValue(value)}`;
  throw range ? new RangeError(message) : new TypeError(message);
}

function checkInteger(name: string, value: unknown): number {
  if (typeof value !== "number") fail(name, "an integer >= 1", value, false);
  if (!Number.isInteger(value) || value < 1) fail(name, "an integer >= 1", value, true);
  return value;
}

function checkMs(name: string, value: unknown, positive: boolean): number {
  const expected = `a number of milliseconds in ${positive ? "(" : "["}0, ${MAX_DELAY}]`;
  if (typeof value !== "number") fail(name, expected, value, false);
  if (!Number.isFinite(value) || value < 0 || (positive && value === 0) || value > MAX_DELAY) {
    fail(name, expected, value, true);
  }
  return value;
}

/**
 * A circuit breaker shared by any number of policies and calls: after too many failures it opens,
 * and calls fail fast with `BrokenCircuitError` (the last failure as `cause`) without calling the
 * function. After `halfOpenAfter` ms it lets one probe through (`halfOpenProbes` for more): a
 * success closes it, a failure opens it again.
 *
 * Given to a policy (`{ breaker }`), it is asked before every attempt: an open circuit stops the
 * retries at once (stop reason `"circuit-open"`). Only failures that the policy's classifier counts
 * as retryable (attempt timeouts included) count against it; other failures show the service
 * answering and count as successes; attempts abandoned by an abort or a lost hedge race count
 * neither way.
 *
 * It schedules no timer: the open → half-open change happens when the circuit is next asked (or its
 * `state` read) after `halfOpenAfter`.
 *
 * @example
 * ```ts
 * import { Backoff, CircuitBreaker } from "@retrykit/retry-core";
 * const breaker = new CircuitBreaker({
 *   threshold: { ratio: 0.5, minimumCalls: 20, window: 30_000 },
 *   halfOpenAfter: 5_000,
 *   onStateChange: ({ state }) => console.log("circuit", state),
 * });
 * const backoff = new Backoff({ maxTries: 3, retryIf: () => true, breaker });
 * ```
 */
export class CircuitBreaker {
  readonly #consecutive: number;
  readonly #ratio: number;
  readonly #minimumCalls: number;
  readonly #window: SlidingWindow | undefined;
  readonly #halfOpenAfter: number | DelayStrategy;
  readonly #probes: number;
  readonly #clock: Clock;
  readonly #onStateChange: ((change: CircuitStateChange) => void) | undefined;
  #state = CLOSED;
  #failures = 0;
  #openedAt = 0;
  #openFor = 0;
  /** Openings in a row without closing, for a `halfOpenAfter` strategy. */
  #openings = 0;
  #sequence: DelaySequence | undefined = undefined;
  #probesRunning = 0;
  #lastFailure: unknown = undefined;

  constructor(options: CircuitBreakerOptions = {}) {
    if (options === null || typeof options !== "object") {
      fail("options", "an object", options, false);
    }
    const threshold = options.threshold ?? 5;
    if (typeof threshold === "object" && threshold !== null) {
      const ratio = threshold.ratio;
      if (typeof ratio !== "number") fail("threshold.ratio", "a number in (0, 1]", ratio, false);
      if (!(ratio > 0 && ratio <= 1)) fail("threshold.ratio", "a number in (0, 1]", ratio, true);
      this.#ratio = ratio;
      this.#minimumCalls = checkInteger("threshold.minimumCalls", threshold.minimumCalls);
      this.#window = new SlidingWindow(checkMs("threshold.window", threshold.window, true));
      this.#consecutive = 0;
    } else {
      this.#consecutive = checkInteger("threshold", threshold);
      this.#ratio = 0;
      this.#minimumCalls = 0;
      this.#window = undefined;
    }
    const halfOpenAfter = options.halfOpenAfter ?? 10_000;
    if (typeof halfOpenAfter === "object" && halfOpenAfter !== null) {
      if (typeof (halfOpenAfter as DelayStrategy).begin !== "function") {
        fail("halfOpenAfter", "a number of milliseconds or a delay strategy", halfOpenAfter, false);
      }
      this.#halfOpenAfter = halfOpenAfter;
    } else {
      this.#halfOpenAfter = checkMs("halfOpenAfter", halfOpenAfter, false);
    }
    this.#probes = checkInteger("halfOpenProbes", options.halfOpenProbes ?? 1);
    const clock = options.clock ?? systemClock;
    if (
      typeof clock !== "object" ||
      clock === null ||
      typeof clock.now !== "function" ||
      typeof clock.setTimeout !== "function"
    ) {
      fail("clock", "a Clock (now(), setTimeout(), clearTimeout())", clock, false);
    }
    this.#clock = clock;
    const listener = options.onStateChange;
    if (listener !== undefined && typeof listener !== "function") {
      fail("onStateChange", "a function", listener, false);
    }
    this.#onStateChange = listener;
  }

  /** `"closed"`, `"open"` or `"half-open"` (an open circuit whose time is up reads as half-open). */
  get state(): CircuitState {
    this.#expire();
    return NAMES[this.#state] as CircuitState;
  }

  /** True while closed: the engine's fast path checks only this. @internal */
  get closed(): boolean {
    return this.#state === CLOSED;
  }

  /** Whether an attempt asked now would be refused (without taking a probe). @internal */
  refuses(): boolean {
    if (this.#state === CLOSED) return false;
    this.#expire();
    return this.#state === OPEN || this.#probesRunning >= this.#probes;
  }

  /** The failure that last opened the circuit (`undefined` while it never opened). */
  get lastFailure(): unknown {
    return this.#lastFailure;
  }

  /** Opens the circuit now, by hand (for example on a signal from elsewhere that the service is down). */
  isolate(error?: unknown): void {
    this.#open(error ?? this.#lastFailure);
  }

  /** Closes the circuit now, by hand, forgetting every count. */
  reset(): void {
    this.#close();
  }

  /**
   * Asks to start an attempt: `PASSED`, `PROBE` (a half-open probe, now counted as running) or
   * `REFUSED`. @internal
   */
  admit(): number {
    if (this.#state === CLOSED) return PASSED;
    this.#expire();
    if (this.#state === HALF_OPEN && this.#probesRunning < this.#probes) {
      this.#probesRunning++;
      return PROBE;
    }
    return REFUSED;
  }

  /** The error a refused attempt fails with. @internal */
  refusal(): BrokenCircuitError {
    const left = this.#state === OPEN ? this.#openedAt + this.#openFor - this.#clock.now() : 0;
    return new BrokenCircuitError(Math.max(left, 0), { cause: this.#lastFailure });
  }

  /** A success admitted while closed: the fast path's one call. @internal */
  passed(): void {
    if (this.#state !== CLOSED) return;
    if (this.#window === undefined) this.#failures = 0;
    else this.#window.add(this.#clock.now(), 0);
  }

  /** Records how an admitted attempt ended (`SUCCEEDED`, `FAILED` or `ABANDONED`). @internal */
  record(admission: number, outcome: number, error?: unknown): void {
    if (admission === PROBE) {
      if (this.#probesRunning > 0) this.#probesRunning--;
      if (this.#state !== HALF_OPEN) return;
      if (outcome === SUCCEEDED) this.#close();
      else if (outcome === FAILED) this.#open(error);
      return;
    }
    // Late outcomes of attempts admitted before the circuit opened do not move it.
    if (this.#state !== CLOSED || admission !== PASSED) return;
    if (outcome === SUCCEEDED) {
      if (this.#window === undefined) this.#failures = 0;
      else this.#window.add(this.#clock.now(), 0);
    } else if (outcome === FAILED) {
      const window = this.#window;
      if (window === undefined) {
        if (++this.#failures >= this.#consecutive) this.#open(error);
        return;
      }
      const now = this.#clock.now();
      window.add(now, 1);
      const failures = window.sum(now, 1);
      const calls = failures + window.sum(now, 0);
      if (calls >= this.#minimumCalls && failures >= calls * this.#ratio) this.#open(error);
    }
  }

  /**
   * Runs `fn` through the breaker on its own (no retries): refused with `BrokenCircuitError` while
   * open; any failure counts against it.
   */
  async execute<A extends unknown[], R>(
    fn: (...args: A) => R | PromiseLike<R>,
    ...args: A
  ): Promise<Awaited<R>> {
    const admission = this.admit();
    if (admission === REFUSED) throw this.refusal();
    let value: Awaited<R>;
    try {
      value = await fn(...args);
    } catch (error) {
      this.record(admission, FAILED, error);
      throw error;
    }
    this.record(admission, SUCCEEDED);
    return value;
  }

  #expire(): void {
    if (this.#state === OPEN && this.#clock.now() - this.#openedAt >= this.#openFor) {
      this.#probesRunning = 0;
      this.#change(HALF_OPEN, undefined);
    }
  }

  #open(error: unknown): void {
    this.#lastFailure = error;
    this.#openedAt = this.#clock.now();
    this.#openings++;
    const after = this.#halfOpenAfter;
    if (typeof after === "number") {
      this.#openFor = after;
    } else {
      if (this.#sequence === undefined) this.#sequence = after.begin();
      const next = this.#sequence.next(this.#openings, error);
      this.#openFor = Math.min(Math.max(next || 0, 0), MAX_DELAY);
    }
    this.#probesRunning = 0;
    this.#failures = 0;
    this.#window?.clear();
    if (this.#state !== OPEN) this.#change(OPEN, error);
  }

  #close(): void {
    this.#failures = 0;
    this.#openings = 0;
    this.#sequence = undefined;
    this.#probesRunning = 0;
    this.#window?.clear();
    if (this.#state !== CLOSED) this.#change(CLOSED, undefined);
  }

  #change(next: number, error: unknown): void {
    const previous = NAMES[this.#state] as CircuitState;
    this.#state = next;
    const listener = this.#onStateChange;
    if (listener === undefined) return;
    const change: CircuitStateChange = { state: NAMES[next] as CircuitState, previous };
    if (next === OPEN) change.error = error;
    try {
      const result: unknown = listener(change);
      if (typeof (result as PromiseLike<unknown> | undefined)?.then === "function") {
        (result as PromiseLike<unknown>).then(undefined, () => {});
      }
    } catch {
      // A listener observes; it cannot change the breaker.
    }
  }
}
