import { parseHttpDate } from "./http-date.js";
import { MAX_DELAY } from "./validate.js";

const DELTA_SECONDS = /^\d+$/;
const MILLISECONDS = /^\d+(?:\.\d+)?$/;

/**
 * Parses a `Retry-After` value, delta-seconds (`"120"`) or an HTTP-date
 * (`"Wed, 21 Oct 2015 07:28:00 GMT"`), into a delay in milliseconds.
 *
 * Returns `undefined`, meaning "no usable hint", for a missing, negative, fractional or otherwise
 * unparseable value and for a date that is already past. Delays are clamped to 2^31-1 ms.
 *
 * @param now the current time in epoch ms, to turn a date into a delay.
 *
 * @example
 * ```ts
 * parseRetryAfter("3"); // 3000
 * parseRetryAfter("Wed, 21 Oct 2015 07:28:30 GMT", Date.UTC(2015, 9, 21, 7, 28)); // 30000
 * parseRetryAfter("soon"); // undefined
 * ```
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (DELTA_SECONDS.test(text)) return Math.min(Number(text) * 1000, MAX_DELAY);
  const date = parseHttpDate(text, now);
  if (date === undefined || date < now) return undefined;
  return Math.min(date - now, MAX_DELAY);
}

/**
 * Parses a `retry-after-ms` value (a non-standard header some APIs send, in milliseconds, possibly
 * fractional) into whole milliseconds; `undefined` when missing or unparseable.
 */
export function parseRetryAfterMs(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (!MILLISECONDS.test(text)) return undefined;
  return Math.min(Math.ceil(Number(text)), MAX_DELAY);
}

/** Statuses whose `Retry-After` says when to try again (RFC 9110 §10.2.3; RFC 6585 for 429). */
const HINTED_STATUSES = new Set([429, 503]);

/**
 * The server's hint on a 429 or 503 response, in ms: `retry-after-ms` if usable, else `Retry-After`.
 * An HTTP-date is measured from the response's own `Date` header when it has a valid one, so a
 * client clock that is off does not skew the delay; otherwise from `now()`.
 *
 * @internal
 */
export function serverHint(response: Response, now: () => number): number | undefined {
  if (!HINTED_STATUSES.has(response.status)) return undefined;
  const headers = response.headers;
  const ms = parseRetryAfterMs(headers.get("retry-after-ms"));
  if (ms !== undefined) return ms;
  const retryAfter = headers.get("retry-after");
  if (retryAfter === null) return undefined;
  const dateHeader = headers.get("date");
  const reference = (dateHeader !== null ? parseHttpDate(dateHeader) : undefined) ?? now();
  return parseRetryAfter(retryAfter, reference);
}
