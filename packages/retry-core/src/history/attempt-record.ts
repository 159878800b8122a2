/** Where the pause after a failed attempt came from: the policy's delay strategy, or a server hint (`retryAfter`). */
export type DelaySource = "strategy" | "retry-after";

/**
 * Why the chosen pause differs from the planned one: `"max-delay"` = capped at 2^31-1 ms (the longest
 * timer), `"deadline"` = the pause would have reached the call's deadline, so no further attempt ran
 * and the call stopped with reason `"deadline"`.
 */
export type DelayLimit = "max-delay" | "deadline";

/**
 * One attempt of a call, as its failure history keeps it. Times are on the engine's clock (the
 * policy's `clock`), in milliseconds.
 *
 * @example
 * ```ts
 * import { Backoff, retryHistory } from "@retrykit/retry-core";
 * try {
 *   await new Backoff({ maxTries: 2, retryIf: () => true }).execute(async () => {
 *     throw new Error("down");
 *   });
 * } catch (error) {
 *   for (const a of retryHistory(error)?.attempts ?? []) console.log(a.attempt, a.outcome, a.delay);
 * }
 * ```
 */
export interface AttemptRecord {
  /** 1-based attempt number (a session restarts its count after delivering items). */
  readonly attempt: number;
  /**
   * Clock reading when the attempt started. The first attempt of a call that read no clock before
   * it failed (no time limit, hook or telemetry: the fast path) is dated at its failure.
   */
  readonly startedAt: number;
  /** How long the attempt ran, ms; `NaN` when its start was not measured (see `startedAt`). */
  readonly duration: number;
  /** `"value"` when the attempt succeeded, `"error"` when it failed (or was abandoned: timeout, abort). */
  readonly outcome: "value" | "error";
  /** The attempt's result when `outcome` is `"value"`. */
  readonly value: unknown;
  /** The attempt's error, unchanged, when `outcome` is `"error"`. */
  readonly error: unknown;
  /** The pause chosen after this attempt, ms; `undefined` when no pause followed (the last attempt). */
  readonly delay: number | undefined;
  /** Where `delay` came from; `undefined` when no pause was chosen. */
  readonly delaySource: DelaySource | undefined;
  /** Whether the pause was limited (see `DelayLimit`); `undefined` when it was taken as planned. */
  readonly delayLimit: DelayLimit | undefined;
  /** Whether this attempt was a hedged (parallel) attempt rather than a sequential retry. */
  readonly hedged: boolean;
}

/** The mutable form kept by a call's history. @internal */
export class MutableAttemptRecord implements AttemptRecord {
  duration: number;
  value: unknown = undefined;
  error: unknown = undefined;
  delay: number | undefined = undefined;
  delaySource: DelaySource | undefined = undefined;
  delayLimit: DelayLimit | undefined = undefined;
  constructor(
    readonly attempt: number,
    readonly startedAt: number,
    endedAt: number,
    readonly outcome: "value" | "error",
    readonly hedged: boolean,
  ) {
    this.duration = endedAt - startedAt;
  }
}
