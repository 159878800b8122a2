import type { DelayStrategyDescription } from "./description.js";

/**
 * The largest delay a strategy ever returns, in milliseconds (2^31 - 1, about 24.8 days).
 *
 * `setTimeout` treats anything larger as 1 ms, which would turn a long backoff into a hot retry
 * loop, so every strategy clamps its output to this value.
 */
export const MAX_DELAY = 2_147_483_647;

/**
 * A delay strategy: an immutable, shareable description of how long to wait between attempts.
 *
 * A strategy holds no mutable state, so one instance may serve any number of concurrent calls.
 * Each call asks for its own {@link DelaySequence} with {@link DelayStrategy.begin}.
 */
export interface DelayStrategy {
  /** Start a fresh sequence of delays for one call. */
  begin(): DelaySequence;
  /**
   * Its name and parameters as plain data (every strategy of this package has one; a strategy of
   * your own may add it so that `retryPolicyOf` can show it).
   */
  describe?(): DelayStrategyDescription;
}

/**
 * The per-call cursor of a {@link DelayStrategy}: all the state of one call's backoff lives here.
 */
export interface DelaySequence {
  /**
   * Pause (ms, an integer in [0, 2^31-1]) before the next attempt, after attempt `attempt`
   * (1-based) failed.
   */
  next(attempt: number, error?: unknown): number;
}

/**
 * What the engine waits between attempts: a fixed number of milliseconds or a
 * {@link DelayStrategy}; `null` and `undefined` mean no pause.
 */
export type Pause = number | DelayStrategy | null | undefined;
