import type {
  ExponentialRetry,
  RequestEndEvent,
  RequestParams,
  RetryClient,
  RetryOptionsBase,
} from "@retrykit/retry-core/fetch";
import { describe, expectTypeOf, it } from "vitest";

// The declarations are the public promise: these checks run in the type checker.
describe("public types", () => {
  it("every method resolves to a Response and takes one URL or a list", () => {
    expectTypeOf<RetryClient["get"]>().returns.toEqualTypeOf<Promise<Response>>();
    expectTypeOf<RetryClient["request"]>().parameter(0).toEqualTypeOf<string>();
    expectTypeOf<RetryClient["get"]>()
      .parameter(0)
      .toEqualTypeOf<string | URL | readonly (string | URL)[]>();
    expectTypeOf<RetryClient>().toMatchTypeOf<AsyncDisposable>();
  });

  it("RequestEndEvent carries either a response or an error", () => {
    const describe = (event: RequestEndEvent): number | unknown =>
      event.response !== undefined ? event.response.status : event.error;
    expectTypeOf(describe).returns.toEqualTypeOf<unknown>();
    expectTypeOf<RequestEndEvent["delay"]>().toEqualTypeOf<number | undefined>();
  });

  it("request params take no signal: the request's own one governs", () => {
    expectTypeOf<RequestParams>().not.toHaveProperty("signal");
    expectTypeOf<RequestParams>().toHaveProperty("traceContext");
  });

  it("retry options are delay strategies with an overridable getTimeout", () => {
    expectTypeOf<ExponentialRetry>().toMatchTypeOf<RetryOptionsBase>();
    expectTypeOf<RetryOptionsBase["getTimeout"]>().parameters.toEqualTypeOf<
      [attempt: number, response?: Response]
    >();
  });
});
