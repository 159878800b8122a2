import { type Clock, systemClock } from "../clock.js";
import { describeValue } from "../policy.js";
import { sleep } from "../sleep.js";
import type { DelayStrategy } from "../strategies/delay-strategy.js";
import { MAX_DELAY } from "../strategies/delay-strategy.js";
import { blockingSleep } from "./blocking-sleep.js";
import { type LoopSettings, loopStrategy } from "./context-loop.js";
import { checkLogger, type RetryLogger, silentLogger } from "./logger.js";

/** Options of {@link Context}. Durations are milliseconds. */
export interface ContextOptions {
  /** Total tries (calls) per loop, >= 1; `-1` = unlimited (kaioretry's default). @default -1 */
  tries?: number;
  /** Pause after the first try. @default 0 */
  delay?: number;
  /** The next pause from the current one (e.g. `(d) => d * 2`); clamped to [minDelay, maxDelay]. @default the identity */
  updateDelay?: (delay: number) => number;
  /** Smallest pause. @default 0 */
  minDelay?: number;
  /** Largest pause; `null` = no limit (2^31-1 in practice). @default null */
  maxDelay?: number | null;
  /** Receives the loop lines at `info` level. @default silentLogger */
  logger?: RetryLogger;
  /** Source of time for asynchronous sleeps. @default systemClock */
  clock?: Clock;
  /** How synchronous loops wait (blocking the thread). Tests replace it. @default blockingSleep */
  blockingSleep?: (ms: number) => void;
}

const WHERE = "Context";

function checkDelay(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number") {
    throw new TypeError(
      `${WHERE}: "${name}" must be a number of milliseconds, got ${describeValue(value)}`,
    );
  }
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(
      `${WHERE}: "${name}" must be a finite number >= 0, got ${describeValue(value)}`,
    );
  }
  return value;
}

function checkTries(value: unknown): number {
  if (value === undefined) return -1;
  if (typeof value !== "number") {
    throw new TypeError(`${WHERE}: "tries" must be a number, got ${describeValue(value)}`);
  }
  if (value === -1) return -1;
  if (!Number.isInteger(value) || value < 1) {
    const why = value === 0 ? " (0 tries would never run)" : "";
    throw new RangeError(
      `${WHERE}: "tries" must be -1 (unlimited) or an integer >= 1${why}, got ${describeValue(value)}`,
    );
  }
  return value;
}

function checkFunction<F>(name: string, value: unknown, fallback: F): F {
  if (value === undefined) return fallback;
  if (typeof value !== "function") {
    throw new TypeError(`${WHERE}: "${name}" must be a function, got ${describeValue(value)}`);
  }
  return value as F;
}

function checkClock(value: unknown): Clock {
  if (value === undefined) return systemClock;
  const clock = value as Clock;
  if (
    typeof value !== "object" ||
    value === null ||
    typeof clock.now !== "function" ||
    typeof clock.setTimeout !== "function" ||
    typeof clock.clearTimeout !== "function"
  ) {
    throw new TypeError(
      `${WHERE}: "clock" must have now(), setTimeout() and clearTimeout(), got ${describeValue(value)}`,
    );
  }
  return clock;
}

const identity = (delay: number): number => delay;

/**
 * kaioretry's `Context`: how many tries a loop gets and how long it waits between them. It is
 * immutable and reusable: every loop over it (and every call of a function decorated with it)
 * starts afresh, with its own identifier in the log lines.
 *
 * - `for (const attempt of context)` yields the try numbers 1, 2, ... and **blocks the thread**
 *   between tries when the pause is non-zero.
 * - `for await (const attempt of context)` waits between tries without blocking (through `clock`).
 *
 * Pauses: the first is `delay`; each next one is `updateDelay(previous)`, clamped to
 * `[minDelay, maxDelay]`; each is rounded to a whole millisecond when slept.
 *
 * @example
 * ```ts
 * import { Context } from "@retrykit/retry-core";
 * const context = new Context({ tries: 4, delay: 100, updateDelay: (d) => d * 2, logger: console });
 * for await (const attempt of context) {
 *   if (await tryConnect()) break; // stop early on success
 * }
 * ```
 */
export class Context implements Iterable<number>, AsyncIterable<number>, LoopSettings {
  /** Tries per loop; `-1` = unlimited. */
  readonly tries: number;
  /** Pause after the first try, ms. */
  readonly delay: number;
  /** Computes the next pause from the current one. */
  readonly updateDelay: (delay: number) => number;
  /** Smallest pause, ms. */
  readonly minDelay: number;
  /** Largest pause, ms (`MAX_DELAY` when unlimited). */
  readonly maxDelay: number;
  /** Where loop lines go. */
  readonly logger: RetryLogger;
  /** Time source of asynchronous waits. */
  readonly clock: Clock;
  /** How synchronous loops wait. */
  readonly blockingSleep: (ms: number) => void;
  readonly #strategy: DelayStrategy;

  constructor(options: ContextOptions = {}) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(`${WHERE}: options must be an object, got ${describeValue(options)}`);
    }
    this.tries = checkTries(options.tries);
    this.delay = checkDelay("delay", options.delay, 0);
    this.updateDelay = checkFunction("updateDelay", options.updateDelay, identity);
    this.minDelay = checkDelay("minDelay", options.minDelay, 0);
    const maxDelay = options.maxDelay === null ? undefined : options.maxDelay;
    this.maxDelay = Math.min(checkDelay("maxDelay", maxDelay, MAX_DELAY), MAX_DELAY);
    if (this.minDelay > this.maxDelay) {
      throw new RangeError(
        `${WHERE}: "minDelay" (${this.minDelay}) must not exceed "maxDelay" (${this.maxDelay})`,
      );
    }
    this.logger = checkLogger(WHERE, options.logger, silentLogger);
    this.clock = checkClock(options.clock);
    this.blockingSleep = checkFunction("blockingSleep", options.blockingSleep, blockingSleep);
    this.#strategy = loopStrategy(this);
    Object.freeze(this);
  }

  /**
   * The pauses of this Context as a delay strategy (usable as any `pause`), without the try limit.
   * Each sequence is one loop and logs as one.
   */
  get strategy(): DelayStrategy {
    return this.#strategy;
  }

  /** Yields the try numbers, blocking the thread for each non-zero pause between them. */
  *[Symbol.iterator](): Generator<number, void, undefined> {
    const loop = this.#strategy.begin();
    const tries = this.tries;
    for (let attempt = 1; ; attempt++) {
      yield attempt;
      if (attempt === tries) return;
      const pause = loop.next(attempt);
      if (pause > 0) this.blockingSleep(pause);
    }
  }

  /** Yields the try numbers, waiting (without blocking) through `clock` between them. */
  async *[Symbol.asyncIterator](): AsyncGenerator<number, void, undefined> {
    const loop = this.#strategy.begin();
    const tries = this.tries;
    for (let attempt = 1; ; attempt++) {
      yield attempt;
      if (attempt === tries) return;
      const pause = loop.next(attempt);
      if (pause > 0) await sleep(pause, { clock: this.clock });
    }
  }
}
