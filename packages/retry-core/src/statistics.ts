import type { BackoffStatistics } from "./backoff-options.js";

/** @internal A zeroed, fixed-shape statistics record. */
export function createStatistics(): BackoffStatistics {
  return {
    attempts: 0,
    done: 0,
    errors: 0,
    cancels: 0,
    retries: 0,
    hedges: 0,
    giveups: 0,
    totalTime: 0,
  };
}
