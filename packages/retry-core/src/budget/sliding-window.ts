/**
 * Two event counts over a sliding time window, kept in ten slots so that memory and work stay
 * constant however many events arrive. An event recorded at time `t` is counted while
 * `floor(now / slot) - floor(t / slot) < 10`, where `slot = window / 10`: it leaves the window
 * between `window - slot` and `window` ms after it happened, at a slot boundary. Shared by the
 * percentage retry budget (calls and retries) and the ratio circuit breaker (successes and failures).
 *
 * @internal
 */
export class SlidingWindow {
  static readonly SLOTS = 10;
  readonly #slotMs: number;
  /** Counts of kind 0 in slots [0, SLOTS), then counts of kind 1. */
  readonly #counts = new Float64Array(SlidingWindow.SLOTS * 2);
  /** Absolute index (`floor(now / slotMs)`) of the newest slot; -Infinity before the first event. */
  #latest = Number.NEGATIVE_INFINITY;

  /** @param windowMs the window's length, ms (> 0). */
  constructor(windowMs: number) {
    this.#slotMs = windowMs / SlidingWindow.SLOTS;
  }

  /** Adds `n` events of `kind` (0 or 1) at time `now`. */
  add(now: number, kind: 0 | 1, n = 1): void {
    const index = kind * SlidingWindow.SLOTS + this.#advance(now);
    this.#counts[index] = (this.#counts[index] as number) + n;
  }

  /** Events of `kind` within the window ending at `now`. */
  sum(now: number, kind: 0 | 1): number {
    this.#advance(now);
    const counts = this.#counts;
    let total = 0;
    const base = kind * SlidingWindow.SLOTS;
    for (let i = 0; i < SlidingWindow.SLOTS; i++) total += counts[base + i] as number;
    return total;
  }

  /** Forgets every event. */
  clear(): void {
    this.#counts.fill(0);
  }

  /** Moves the window to `now`, emptying the slots it leaves behind; returns the current slot. */
  #advance(now: number): number {
    const slots = SlidingWindow.SLOTS;
    const absolute = Math.floor(now / this.#slotMs);
    const latest = this.#latest;
    if (absolute > latest) {
      if (absolute - latest >= slots) {
        // Every slot is older than the window (or nothing was recorded yet).
        this.#counts.fill(0);
      } else {
        const counts = this.#counts;
        for (let a = latest + 1; a <= absolute; a++) {
          const index = ((a % slots) + slots) % slots;
          counts[index] = 0;
          counts[slots + index] = 0;
        }
      }
      this.#latest = absolute;
    }
    // A clock that steps back is treated as standing still: events go to the newest slot.
    return ((this.#latest % slots) + slots) % slots;
  }
}
