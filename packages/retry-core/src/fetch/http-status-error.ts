const httpStatusErrorBrand: unique symbol = Symbol.for("@retrykit/retry-core/HttpStatusError");

/**
 * The final response had an error status (400-599) and `raiseForStatus` was on: aiohttp's
 * `ClientResponseError`. The response is kept, unread, on `response`.
 *
 * `HttpStatusError.is(value)` recognises instances created by another copy of this package too.
 *
 * @example
 * ```ts
 * try {
 *   await client.get(url, { raiseForStatus: true });
 * } catch (error) {
 *   if (HttpStatusError.is(error)) console.log(error.status, await error.response.text());
 * }
 * ```
 */
export class HttpStatusError extends Error {
  /** The HTTP status code. */
  readonly status: number;
  /** The response's status text (often empty over HTTP/2). */
  readonly statusText: string;
  /** The method of the last try. */
  readonly method: string;
  /** The URL of the last try (query string included; credentials in the URL are removed). */
  readonly url: string;
  /** The response itself, body unread. */
  readonly response: Response;
  /** @internal cross-copy brand */
  readonly [httpStatusErrorBrand] = true;

  constructor(response: Response, method: string, url: string) {
    const safeUrl = withoutCredentials(url);
    super(
      `${method} ${safeUrl} failed with HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`,
    );
    this.name = "HttpStatusError";
    this.status = response.status;
    this.statusText = response.statusText;
    this.method = method;
    this.url = safeUrl;
    this.response = response;
  }

  /** True for an `HttpStatusError` from any copy of this package. */
  static is(value: unknown): value is HttpStatusError {
    return (
      typeof value === "object" &&
      value !== null &&
      (value as { [httpStatusErrorBrand]?: unknown })[httpStatusErrorBrand] === true
    );
  }
}

/** Drops `user:password@` so that credentials never reach a message or a log. */
function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username === "" && parsed.password === "") return url;
    parsed.username = "";
    parsed.password = "";
    return parsed.href;
  } catch {
    return url;
  }
}
