import { MAX_DELAY } from "../strategies/delay-strategy.js";

let cell: Int32Array | undefined;

/**
 * Blocks the calling thread for `ms` milliseconds: the only way a synchronous retry loop can wait.
 * Nothing else runs meanwhile on this thread (no timers, no I/O callbacks, no promise reactions),
 * which is why the sync loops call it only for a non-zero delay.
 *
 * Uses `Atomics.wait` on a private SharedArrayBuffer that nobody notifies, so the wait always runs to
 * its timeout. Where `Atomics.wait` is not allowed (a browser's main thread) it falls back to
 * spinning on the clock, which burns CPU for the whole delay.
 */
export function blockingSleep(ms: number): void {
  if (!(ms > 0)) return;
  const duration = Math.min(ms, MAX_DELAY);
  try {
    cell ??= new Int32Array(new SharedArrayBuffer(4));
    Atomics.wait(cell, 0, 0, duration);
  } catch {
    const until = performance.now() + duration;
    while (performance.now() < until) {
      // spin: the caller asked for a synchronous wait and this host offers no other
    }
  }
}
