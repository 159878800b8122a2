import type { StopReason } from "../backoff-options.js";
import {
  type AttemptRecord,
  type DelayLimit,
  type DelaySource,
  MutableAttemptRecord,
} from "./attempt-record.js";

/**
 * Why a call ended, as its history records it: a `StopReason` (the call failed or was aborted),
 * `"success"`, or one of the overload guards' reasons (`"budget"`: the retry budget had no token
 * left, `"circuit-open"`: the circuit breaker refused the attempt).
 */
export type HistoryStopReason = StopReason | "success" | "budget" | "circuit-open";

/**
 * How many attempts a history keeps by default: the first half and the last half of this many, so
 * that an unlimited policy retrying for days keeps a bounded record (`omitted` counts the rest).
 */
export const DEFAULT_HISTORY_SIZE = 20;

/**
 * The failure history of one call: its attempts in order, why it ended, and how many attempts in
 * the middle were left out to keep it bounded. `retryHistory(error)` returns it for a call that
 * failed; `onRetry` and `onGiveUp` receive it as `history`.
 *
 * @example
 * ```ts
 * import { Backoff } from "@retrykit/retry-core";
 * const backoff = new Backoff({
 *   maxTries: 3,
 *   retryIf: () => true,
 *   onGiveUp: ({ history }) => console.log(history.stopReason, history.attempts.length), // "max-tries" 3
 * });
 * await backoff.execute(async () => { throw new Error("down"); }).catch(() => {});
 * ```
 */
export interface RetryHistory {
  /** The attempts kept, in attempt order: all of them, or the first and the last ones (see `omitted`). */
  readonly attempts: readonly AttemptRecord[];
  /** Why the call ended; `undefined` while it runs (as `onRetry` sees it). */
  readonly stopReason: HistoryStopReason | undefined;
  /** How many attempts between the first and the last kept ones were left out. */
  readonly omitted: number;
}

/**
 * The history a call builds, created at its first failure (a call that succeeds at once has none).
 * It is also the note the policy writes a chosen pause into. @internal
 */
export class CallHistory implements RetryHistory {
  readonly attempts: MutableAttemptRecord[] = [];
  stopReason: HistoryStopReason | undefined = undefined;
  omitted = 0;
  readonly #size: number;
  /** Hedged attempts may end out of order: sorted by number when the call ends. */
  #unordered = false;

  constructor(size: number = DEFAULT_HISTORY_SIZE) {
    this.#size = size;
  }

  /** The last attempt recorded, if any. */
  get last(): MutableAttemptRecord | undefined {
    return this.attempts[this.attempts.length - 1];
  }

  /** Records an attempt that ended at `endedAt`; `startedAt` NaN = not measured (dated at its end). */
  record(
    attempt: number,
    startedAt: number,
    endedAt: number,
    outcome: "value" | "error",
    result: unknown,
    hedged = false,
  ): MutableAttemptRecord {
    const measured = !Number.isNaN(startedAt);
    const record = new MutableAttemptRecord(
      attempt,
      measured ? startedAt : endedAt,
      endedAt,
      outcome,
      hedged,
    );
    if (!measured) record.duration = Number.NaN;
    if (outcome === "value") record.value = result;
    else record.error = result;
    const attempts = this.attempts;
    if (record.attempt < (this.last?.attempt ?? 0)) this.#unordered = true;
    if (attempts.length >= this.#size) {
      // Keep the first half as it was; the oldest of the last half makes room.
      attempts.splice(this.#size >> 1, 1);
      this.omitted++;
    }
    attempts.push(record);
    return record;
  }

  /** Notes the pause chosen after the last attempt (called by the policy while it decides). */
  noteDelay(delay: number, source: DelaySource, limit: DelayLimit | undefined): void {
    const last = this.last;
    if (last === undefined) return;
    last.delay = delay;
    last.delaySource = source;
    last.delayLimit = limit;
  }

  /** Ends the history; the first reason given wins. */
  end(reason: HistoryStopReason): void {
    if (this.stopReason !== undefined) return;
    this.stopReason = reason;
    if (this.#unordered) this.attempts.sort((a, b) => a.attempt - b.attempt);
  }

  /** The errors of the attempts kept, in attempt order. */
  errors(): unknown[] {
    const errors: unknown[] = [];
    for (const record of this.attempts) if (record.outcome === "error") errors.push(record.error);
    return errors;
  }
}
