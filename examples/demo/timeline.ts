import type { RetryHistory } from "@retrykit/retry-core";
import { duration, table } from "./format.js";
import { causeOf } from "./retry-recorder.js";

/** How one call ended. */
export type Outcome =
  | { readonly ok: true; readonly detail: string }
  | { readonly ok: false; readonly cause: string };

/**
 * The timeline of one call, drawn from its failure history: each attempt with its start, how long
 * it ran, how it ended, and the pause chosen after it with where that pause came from. Times are
 * relative to `startedAt` (a `performance.now()` reading, the engine's clock).
 */
export function formatTimeline(startedAt: number, history: RetryHistory, outcome: Outcome): string {
  const rows = history.attempts.map((attempt) => {
    const ran = Number.isNaN(attempt.duration) ? "" : `ran ${duration(attempt.duration)}`;
    const ended =
      attempt.outcome === "value"
        ? outcome.ok
          ? `ok: ${outcome.detail}`
          : "ok"
        : `failed: ${causeOf(attempt.error)}`;
    let pause = "";
    if (attempt.delay !== undefined) {
      const source =
        attempt.delaySource === "retry-after" ? "server's retry-after-ms" : "backoff with jitter";
      pause = `→ pause ${duration(attempt.delay)} (${source})`;
    }
    return [
      `+${duration(attempt.startedAt - startedAt)}`,
      `attempt ${attempt.attempt}`,
      ran,
      ended,
      pause,
    ];
  });
  if (history.omitted > 0)
    rows.splice(history.attempts.length >> 1, 0, [
      "",
      `(${history.omitted} attempts omitted)`,
      "",
      "",
      "",
    ]);
  if (!outcome.ok) rows.push(["", "", "", `gave up (${history.stopReason}): ${outcome.cause}`, ""]);
  return table(rows, "    ");
}
