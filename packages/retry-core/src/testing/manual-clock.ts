import type { Clock } from "../clock.js";

interface Timer {
  readonly id: number;
  readonly at: number;
  readonly callback: () => void;
}

// Captured at load, so that tests faking the global timers still let promises settle here.
const realSetImmediate = globalThis.setImmediate;

function settlePromises(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof realSetImmediate === "function") realSetImmediate(resolve);
    else queueMicrotask(resolve);
  });
}

/**
 * A clock whose time moves only when told: timers run in due order, during `advance`. For tests of
 * anything timed, with no real waiting.
 *
 * @example
 * ```ts
 * import { Backoff, ManualClock } from "@retrykit/retry-core";
 * const clock = new ManualClock();
 * const call = new Backoff({ clock, deadline: 1_000 }).execute(() => new Promise(() => {}));
 * call.catch(() => {});
 * await clock.advanceAsync(1_000); // the deadline fires
 * clock.pendingTimers; // 0
 * ```
 */
export class ManualClock implements Clock {
  #now: number;
  #nextId = 1;
  #timers: Timer[] = [];

  /** @param startAt the initial reading of `now()`, ms. @default 0 */
  constructor(startAt = 0) {
    if (!Number.isFinite(startAt)) {
      throw new RangeError(`startAt must be a finite number, got ${String(startAt)}`);
    }
    this.#now = startAt;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const timer: Timer = { id: this.#nextId++, at: this.#now + delay, callback };
    // Keep timers sorted by due time, then by creation order.
    let index = this.#timers.length;
    while (index > 0 && (this.#timers[index - 1] as Timer).at > timer.at) index--;
    this.#timers.splice(index, 0, timer);
    return timer.id;
  }

  clearTimeout(handle: unknown): void {
    const index = this.#timers.findIndex((timer) => timer.id === handle);
    if (index >= 0) this.#timers.splice(index, 1);
  }

  /** Timers scheduled and not yet run or cleared. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Moves time forward by `ms`, running each timer that falls due, in order, synchronously. */
  advance(ms: number): void {
    const end = this.#checkedEnd(ms);
    for (;;) {
      const timer = this.#timers[0];
      if (timer === undefined || timer.at > end) break;
      this.#timers.shift();
      this.#now = timer.at;
      timer.callback();
    }
    this.#now = end;
  }

  /**
   * As `advance`, but lets pending promises settle before the first timer, between timers and at
   * the end, so that work scheduled in reaction to one timer can schedule the next.
   */
  async advanceAsync(ms: number): Promise<void> {
    const end = this.#checkedEnd(ms);
    await settlePromises();
    for (;;) {
      const timer = this.#timers[0];
      if (timer === undefined || timer.at > end) break;
      this.#timers.shift();
      this.#now = timer.at;
      timer.callback();
      await settlePromises();
    }
    this.#now = end;
    await settlePromises();
  }

  /** Runs timers (and lets promises settle) until none is left; stops after `limit` timers. */
  async runAllAsync(limit = 100_000): Promise<void> {
    await settlePromises();
    for (let ran = 0; ran < limit; ran++) {
      const timer = this.#timers.shift();
      if (timer === undefined) return;
      if (timer.at > this.#now) this.#now = timer.at;
      timer.callback();
      await settlePromises();
    }
    throw new Error(
      `runAllAsync: more than ${limit} timers ran; is something rescheduling forever?`,
    );
  }

  #checkedEnd(ms: number): number {
    if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`ms must be a finite number >= 0, got ${String(ms)}`);
    }
    return this.#now + ms;
  }
}
