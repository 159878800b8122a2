import { duration, table } from "./format.js";
import type { RecordedRetry } from "./retry-recorder.js";

/** How one call ended. */
export type Outcome =
  | { readonly ok: true; readonly detail: string }
  | { readonly ok: false; readonly cause: string };

/**
 * The timeline of one call: each failed attempt with its cause and the pause that followed, then
 * the outcome. Times are relative to the start of the call.
 */
export function formatTimeline(
  startedAt: number,
  endedAt: number,
  retries: readonly RecordedRetry[],
  outcome: Outcome,
): string {
  const rows = retries.map((retry) => [
    `+${duration(retry.at - startedAt)}`,
    `attempt ${retry.attempt}`,
    `failed: ${retry.cause}`,
    `→ pause ${duration(retry.pause)}${retry.hinted ? " (server's retry-after-ms)" : " (backoff with jitter)"}`,
  ]);
  const last = retries.length + 1;
  rows.push([
    `+${duration(endedAt - startedAt)}`,
    `attempt ${last}`,
    outcome.ok ? `ok: ${outcome.detail}` : `gave up: ${outcome.cause}`,
    "",
  ]);
  return table(rows, "    ");
}
