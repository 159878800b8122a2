import { type DelaySequence, type DelayStrategy, MAX_DELAY } from "../strategies/delay-strategy.js";
import { strategyDescription } from "../strategies/description.js";
import { type RetryLogger, summarizeError } from "./logger.js";

/** The settings of a Context that its loops read, fixed when the Context is made. @internal */
export interface LoopSettings {
  readonly tries: number;
  readonly delay: number;
  readonly updateDelay: (delay: number) => number;
  readonly minDelay: number;
  readonly maxDelay: number;
  readonly logger: RetryLogger;
}

function newLoopId(): string {
  return globalThis.crypto.randomUUID();
}

/**
 * One run of a Context: a fresh identifier for its log lines and the current delay. It is the delay
 * sequence the retry engine reads, so the same lines come out of `for (... of context)`, of the
 * synchronous loop and of the engine. @internal
 */
export class ContextLoop implements DelaySequence {
  readonly id: string = newLoopId();
  readonly #settings: LoopSettings;
  readonly #failureLogger: RetryLogger | undefined;
  #current: number;

  constructor(settings: LoopSettings, failureLogger?: RetryLogger) {
    this.#settings = settings;
    this.#failureLogger = failureLogger;
    this.#current = Math.min(Math.max(settings.delay, settings.minDelay), settings.maxDelay);
  }

  /** Logs the end of try `attempt` and returns the pause before the next one (whole ms). */
  next(attempt: number, error?: unknown): number {
    const { tries, logger } = this.#settings;
    if (this.#failureLogger !== undefined) {
      this.#failureLogger.warn(`${this.id}: try #${attempt} failed: ${summarizeError(error)}`);
    }
    logger.info(
      tries < 0
        ? `${this.id}: try #${attempt + 1} next, tries unlimited`
        : `${this.id}: ${tries - attempt} tries remaining`,
    );
    const pause = Math.round(this.#current);
    logger.info(`${this.id}: sleeping ${pause} ms`);
    this.#current = this.#following(this.#current);
    return pause;
  }

  /** `updateDelay` applied, then clamped to [minDelay, maxDelay] (and 2^31-1). */
  #following(current: number): number {
    const { updateDelay, minDelay, maxDelay } = this.#settings;
    const proposed = updateDelay(current);
    // A NaN or non-number proposal is a bug in updateDelay: keep the current delay rather than
    // collapse to 0 and spin. Infinity (a multiplier run for long enough) simply hits the cap.
    if (typeof proposed !== "number" || Number.isNaN(proposed)) return current;
    return proposed < minDelay ? minDelay : Math.min(proposed, maxDelay);
  }
}

/** The Context's settings as a delay strategy whose sequences are its loops. @internal */
export function loopStrategy(settings: LoopSettings, failureLogger?: RetryLogger): DelayStrategy {
  const description = strategyDescription("context", {
    delay: settings.delay,
    minDelay: settings.minDelay,
    maxDelay: settings.maxDelay >= MAX_DELAY ? null : settings.maxDelay,
    updateDelay: settings.updateDelay.name || "anonymous",
  });
  return Object.freeze({
    begin: () => new ContextLoop(settings, failureLogger),
    describe: () => description,
  });
}
