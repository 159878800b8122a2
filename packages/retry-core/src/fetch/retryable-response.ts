/**
 * Internal marker: an attempt produced a response that should be retried. Throwing it lets the
 * engine's own loop handle "retry on this response" like any retryable failure; when the engine gives
 * up, the client unwraps it and returns the response as it is.
 *
 * Not exported from the package: a caller never sees it.
 */
export class RetryableResponse extends Error {
  override readonly name = "RetryableResponse";
  /** Server hint (ms) from Retry-After or retry-after-ms, already capped; undefined when none. */
  readonly hint: number | undefined;
  /** Set once the engine chose to retry: the body was cancelled, the response is of no more use. */
  discarded = false;

  constructor(
    readonly response: Response,
    hint: number | undefined,
  ) {
    super(`retryable response: HTTP ${response.status}`);
    this.hint = hint;
  }
}

/** The response an attempt failed with, for `getTimeout(attempt, response)`. */
export function responseOf(error: unknown): Response | undefined {
  return error instanceof RetryableResponse ? error.response : undefined;
}

/**
 * Internal marker: an error that must end the call without a retry (a hook or evaluateResponse that
 * threw, a body that cannot be sent twice). The client rethrows `cause` itself.
 */
export class StopRetrying extends Error {
  override readonly name = "StopRetrying";
  constructor(override readonly cause: unknown) {
    super("stop retrying", { cause });
  }
}
