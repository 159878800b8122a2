import { ManualClock, retryHistory } from "@retrykit/retry-core";
import {
  ExponentialRetry,
  FibonacciRetry,
  HttpStatusError,
  ListRetry,
  type RequestEndEvent,
  type RequestStartEvent,
  RetryClient,
  type RetryClientOptions,
} from "@retrykit/retry-core/fetch";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { type ScriptedServer, startScriptedServer } from "./scripted-server.js";

let server: ScriptedServer;
const clients: RetryClient[] = [];

beforeAll(async () => {
  server = await startScriptedServer();
});

afterAll(async () => {
  await server.close();
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
});

/** Pauses of 1 ms, so real-socket tests stay fast. */
const quick = (init: ConstructorParameters<typeof ExponentialRetry>[0] = {}) =>
  new ExponentialRetry({ startTimeout: 1, maxTimeout: 5, ...init });

/** A client on the scripted server that records its tracing events. */
function makeClient(options: RetryClientOptions = {}) {
  const starts: RequestStartEvent[] = [];
  const ends: RequestEndEvent[] = [];
  const client = new RetryClient({
    baseUrl: server.url,
    retryOptions: quick(),
    onRequestStart: (event) => {
      starts.push(event);
    },
    onRequestEnd: (event) => {
      ends.push(event);
    },
    ...options,
  });
  clients.push(client);
  return { client, starts, ends };
}

let routeId = 0;
/** A fresh path per test, so counts never mix. */
const path = (name: string) => `/${name}-${++routeId}`;

describe("RetryClient against a real HTTP server", () => {
  it("returns a successful response at once, body unread", async () => {
    const p = path("ok");
    server.route(p, { status: 200, body: "hello" });
    const { client } = makeClient();
    const response = await client.get(p);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("hello");
    expect(server.count(p)).toBe(1);
  });

  it("each method helper sends its method", async () => {
    const p = path("methods");
    server.route(p, { status: 204 });
    const { client } = makeClient();
    await client.get(p);
    await client.post(p, { body: "a" });
    await client.put(p, { body: "b" });
    await client.patch(p, { body: "c" });
    await client.delete(p);
    await client.head(p);
    await client.options(p);
    await client.request("PURGE", p);
    await expect(client.request("TRACE", p)).rejects.toThrow(TypeError);
    expect(server.received.filter((r) => r.path === p).map((r) => [r.method, r.body])).toEqual([
      ["GET", ""],
      ["POST", "a"],
      ["PUT", "b"],
      ["PATCH", "c"],
      ["DELETE", ""],
      ["HEAD", ""],
      ["OPTIONS", ""],
      ["PURGE", ""],
    ]);
  });

  it("retries 5xx until a success", async () => {
    const p = path("flaky");
    server.route(p, { status: 503 }, { status: 502 }, { status: 200, body: "finally" });
    const { client, ends } = makeClient();
    const response = await client.get(p);
    expect(await response.text()).toBe("finally");
    expect(server.count(p)).toBe(3);
    expect(ends.map((e) => [e.attempt, e.response?.status, e.willRetry])).toEqual([
      [1, 503, true],
      [2, 502, true],
      [3, 200, false],
    ]);
  });

  it("returns the last response as it is when the tries run out on a status", async () => {
    const p = path("down");
    server.route(p, { status: 500, body: "still broken" });
    const { client } = makeClient({ retryOptions: quick({ attempts: 4 }) });
    const response = await client.get(p);
    expect(response.status).toBe(500);
    expect(await response.text()).toBe("still broken");
    expect(server.count(p)).toBe(4);
  });

  it("retries a dropped connection, then succeeds", async () => {
    const p = path("drop");
    server.route(p, { drop: true }, { status: 200, body: "back" });
    const { client, ends } = makeClient();
    const response = await client.get(p);
    expect(await response.text()).toBe("back");
    expect(server.count(p)).toBe(2);
    expect(ends[0]!.error).toBeInstanceOf(TypeError);
    expect(ends[0]!.willRetry).toBe(true);
  });

  it("throws the last error when the tries run out on an error", async () => {
    const p = path("always-drop");
    server.route(p, { drop: true });
    const { client } = makeClient();
    await expect(client.get(p)).rejects.toThrow(TypeError);
    expect(server.count(p)).toBe(3);
  });

  it("does not retry a status that is neither 5xx nor listed", async () => {
    const p = path("missing");
    server.route(p, { status: 404 });
    const { client } = makeClient();
    expect((await client.get(p)).status).toBe(404);
    expect(server.count(p)).toBe(1);
  });

  it("retries only the listed statuses when retryAllServerErrors is false", async () => {
    const p = path("listed");
    server.route(p, { status: 418 }, { status: 500 }, { status: 200 });
    const { client } = makeClient({
      retryOptions: quick({ statuses: [418], retryAllServerErrors: false }),
    });
    expect((await client.get(p)).status).toBe(500);
    expect(server.count(p)).toBe(2);
  });

  it("does not retry POST or PATCH by default (not idempotent), on a status or an error", async () => {
    const p = path("post");
    server.route(p, { status: 503 }, { status: 200 });
    const d = path("post-drop");
    server.route(d, { drop: true }, { status: 200 });
    const { client } = makeClient();
    expect((await client.post(p, { body: "x" })).status).toBe(503);
    await expect(client.patch(d, { body: "x" })).rejects.toThrow(TypeError);
    expect(server.count(p)).toBe(1);
    expect(server.count(d)).toBe(1);
  });

  it("retries POST when methods allow it, resending the body each time", async () => {
    const p = path("post-allowed");
    server.route(p, { status: 503 }, { status: 201 });
    const { client } = makeClient({ retryOptions: quick({ methods: ["GET", "POST"] }) });
    const response = await client.post(p, { body: JSON.stringify({ n: 1 }) });
    expect(response.status).toBe(201);
    expect(server.received.filter((r) => r.path === p).map((r) => r.body)).toEqual([
      '{"n":1}',
      '{"n":1}',
    ]);
  });

  it("sends a stream body once: it cannot be replayed", async () => {
    const p = path("stream");
    server.route(p, { status: 503 }, { status: 200 });
    const { client } = makeClient();
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("streamed"));
        controller.close();
      },
    });
    const response = await client.put(p, { body, duplex: "half" } as RequestInit);
    expect(response.status).toBe(503);
    expect(server.count(p)).toBe(1);
    expect(server.received.find((r) => r.path === p)!.body).toBe("streamed");
  });

  it("the request's retryOptions win over the client's", async () => {
    const p = path("override");
    server.route(p, { status: 500 });
    const { client } = makeClient({ retryOptions: quick({ attempts: 5 }) });
    await client.get(p, { retryOptions: quick({ attempts: 2 }) });
    expect(server.count(p)).toBe(2);
  });
});

describe("raiseForStatus", () => {
  it("is off by default", async () => {
    const p = path("raise-off");
    server.route(p, { status: 404 });
    const { client } = makeClient();
    expect((await client.get(p)).status).toBe(404);
  });

  it("throws an HttpStatusError holding the final response, after the retries", async () => {
    const p = path("raise");
    server.route(p, { status: 503, body: "busy" });
    const { client } = makeClient({ raiseForStatus: true });
    const error: unknown = await client.get(p).catch((e: unknown) => e);
    expect(HttpStatusError.is(error)).toBe(true);
    const httpError = error as HttpStatusError;
    expect(httpError).toBeInstanceOf(HttpStatusError);
    expect(httpError.status).toBe(503);
    expect(httpError.method).toBe("GET");
    expect(httpError.url).toBe(`${server.url}${p}`);
    expect(await httpError.response.text()).toBe("busy");
    expect(server.count(p)).toBe(3);
  });

  it("can be switched per request, and never fires on success", async () => {
    const p = path("raise-request");
    server.route(p, { status: 400 });
    const ok = path("raise-ok");
    server.route(ok, { status: 204 });
    const { client } = makeClient({ raiseForStatus: true });
    expect((await client.get(p, { raiseForStatus: false })).status).toBe(400);
    expect((await client.get(ok)).status).toBe(204);
    const { client: lenient } = makeClient();
    await expect(lenient.get(p, { raiseForStatus: true })).rejects.toThrow(/GET .* HTTP 400/);
  });

  it("refuses credentials in the URL without repeating them", async () => {
    const p = path("raise-secret");
    server.route(p, { status: 401 });
    const { client } = makeClient({ raiseForStatus: true });
    const url = new URL(p, server.url);
    url.username = "user";
    url.password = "s3cret";
    const error = (await client.get(url).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/credentials/);
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain("s3cret");
    expect(String(error.cause ?? "")).not.toContain("s3cret");
    expect(server.count(p)).toBe(0);
  });

  it("HttpStatusError keeps credentials out of its message", () => {
    const error = new HttpStatusError(
      new Response(null, { status: 401 }),
      "GET",
      "https://user:s3cret@example.com/x?q=1",
    );
    expect(error.message).toBe("GET https://example.com/x?q=1 failed with HTTP 401");
    expect(error.url).not.toContain("s3cret");
  });
});

describe("evaluateResponse", () => {
  it("retries responses it rejects, and leaves the returned body unread", async () => {
    const p = path("evaluate");
    server.route(p, { status: 200, body: "partial" }, { status: 200, body: "complete" });
    const seen: string[] = [];
    const { client } = makeClient({
      retryOptions: quick({
        evaluateResponse: async (response) => {
          const text = await response.text();
          seen.push(text);
          return text === "complete";
        },
      }),
    });
    const response = await client.get(p);
    expect(await response.text()).toBe("complete");
    expect(seen).toEqual(["partial", "complete"]);
    expect(server.count(p)).toBe(2);
  });

  it("is not consulted for a retried status", async () => {
    const p = path("evaluate-status");
    server.route(p, { status: 500 }, { status: 200 });
    const statuses: number[] = [];
    const { client } = makeClient({
      retryOptions: quick({
        evaluateResponse: (r) => {
          statuses.push(r.status);
          return true;
        },
      }),
    });
    await client.get(p);
    expect(statuses).toEqual([200]);
  });

  it("a throwing evaluateResponse fails the request without a retry", async () => {
    const p = path("evaluate-throws");
    server.route(p, { status: 200 });
    const bug = new Error("bug in evaluateResponse");
    const { client } = makeClient({
      retryOptions: quick({
        evaluateResponse: () => {
          throw bug;
        },
      }),
    });
    await expect(client.get(p)).rejects.toBe(bug);
    expect(server.count(p)).toBe(1);
  });
});

describe("per-attempt request parameters", () => {
  it("a list of URLs: one per attempt, the last one repeated", async () => {
    const a = path("primary");
    const b = path("fallback");
    server.route(a, { status: 500 });
    server.route(b, { status: 503 });
    const { client, starts } = makeClient({ retryOptions: quick({ attempts: 4 }) });
    expect((await client.get([a, b])).status).toBe(503);
    expect(server.count(a)).toBe(1);
    expect(server.count(b)).toBe(3);
    expect(starts.map((s) => new URL(s.url).pathname)).toEqual([a, b, b, b]);
  });

  it("a list of URLs stops at the first success (aiohttp-retry's example)", async () => {
    const a = path("internal-error");
    const b = path("ping");
    server.route(a, { status: 500 });
    server.route(b, { status: 200, body: "Ok!" });
    const { client } = makeClient();
    const response = await client.get([a, b]);
    expect(await response.text()).toBe("Ok!");
    expect([server.count(a), server.count(b)]).toEqual([1, 1]);
  });

  it("requests([...]) changes method, headers and trace context per attempt", async () => {
    const p = path("params");
    server.route(p, { status: 502 }, { status: 502 }, { status: 200 });
    const { client, starts } = makeClient({ retryOptions: quick({ attempts: 3 }) });
    const response = await client.requests(
      [
        { method: "GET", url: p, traceContext: { step: "first" } },
        { method: "HEAD", url: p, headers: { "x-attempt": "second" }, traceContext: { step: "2" } },
      ],
      { traceContext: { requestId: "r-1" } },
    );
    expect(response.status).toBe(200);
    const received = server.received.filter((r) => r.path === p);
    expect(received.map((r) => r.method)).toEqual(["GET", "HEAD", "HEAD"]);
    expect(received.map((r) => r.headers["x-attempt"])).toEqual([undefined, "second", "second"]);
    expect(starts.map((s) => s.traceContext)).toEqual([
      { requestId: "r-1", step: "first" },
      { requestId: "r-1", step: "2" },
      { requestId: "r-1", step: "2" },
    ]);
  });
});

describe("tracing hooks", () => {
  it("see the attempt number before each request and after each response", async () => {
    const p = path("trace");
    server.route(p, { status: 500 }, { drop: true }, { status: 200 });
    const { client, starts, ends } = makeClient({
      retryOptions: new ListRetry({ timeouts: [3, 7] }),
    });
    await client.get(p, { traceContext: { id: 42 } });
    expect(starts.map((s) => [s.attempt, s.attempts, s.method, s.traceContext])).toEqual([
      [1, 3, "GET", { id: 42 }],
      [2, 3, "GET", { id: 42 }],
      [3, 3, "GET", { id: 42 }],
    ]);
    expect(starts[0]!.url).toBe(`${server.url}${p}`);
    expect(
      ends.map((e) => [e.attempt, e.response?.status ?? "error", e.willRetry, e.delay]),
    ).toEqual([
      [1, 500, true, 3],
      [2, "error", true, 7],
      [3, 200, false, undefined],
    ]);
  });

  it("a throwing onRequestStart fails the request before anything is sent", async () => {
    const p = path("start-throws");
    server.route(p, { status: 200 });
    const bug = new Error("tracing failed");
    const { client } = makeClient({
      onRequestStart: () => {
        throw bug;
      },
    });
    await expect(client.get(p)).rejects.toBe(bug);
    expect(server.count(p)).toBe(0);
  });

  it("a throwing onRequestEnd fails the request and stops retrying", async () => {
    const p = path("end-throws");
    server.route(p, { status: 500 });
    const bug = new Error("tracing failed");
    const { client } = makeClient({
      retryOptions: quick({ startTimeout: 50, maxTimeout: 50 }),
      onRequestEnd: () => {
        throw bug;
      },
    });
    await expect(client.get(p)).rejects.toBe(bug);
    expect(server.count(p)).toBe(1);
  });
});

describe("server hints", () => {
  it("Retry-After seconds on 429 replaces the pause, capped by maxTimeout", async () => {
    const p = path("429");
    server.route(p, { status: 429, headers: { "retry-after": "120" } }, { status: 200 });
    const { client, ends } = makeClient({ retryOptions: quick({ maxTimeout: 20 }) });
    expect((await client.get(p)).status).toBe(200);
    expect(ends[0]!.delay).toBe(20);
  });

  it("retry-after-ms on 503 wins over Retry-After", async () => {
    const p = path("503-ms");
    server.route(
      p,
      { status: 503, headers: { "retry-after-ms": "12", "retry-after": "100" } },
      { status: 200 },
    );
    const { client, ends } = makeClient({ retryOptions: quick({ maxTimeout: 1000 }) });
    await client.get(p);
    expect(ends[0]!.delay).toBe(12);
  });

  it("an HTTP-date is measured from the response's Date header", async () => {
    const p = path("503-date");
    server.route(
      p,
      {
        status: 503,
        headers: {
          date: "Wed, 21 Oct 2015 07:28:00 GMT",
          "retry-after": "Wed, 21 Oct 2015 07:28:00 GMT",
        },
      },
      { status: 200 },
    );
    const { client, ends } = makeClient({ retryOptions: quick({ startTimeout: 4 }) });
    await client.get(p);
    // Date header and hint are equal: wait 0, although the client's clock is years later.
    expect(ends[0]!.delay).toBe(0);
  });

  it("without a Date header, an HTTP-date is measured from now()", async () => {
    const p = path("429-date");
    const now = Date.UTC(2030, 0, 1, 0, 0, 0);
    server.route(
      p,
      { status: 429, sendDate: false, headers: { "retry-after": "Tue, 01 Jan 2030 00:00:00 GMT" } },
      { status: 200 },
    );
    const { client, ends } = makeClient({
      now: () => now - 15,
      retryOptions: quick({ maxTimeout: 1000 }),
    });
    await client.get(p);
    expect(ends[0]!.delay).toBe(15);
  });

  it.each([
    ["unparseable", "later"],
    ["negative", "-3"],
    ["past", "Thu, 01 Jan 1970 00:00:00 GMT"],
  ])("a %s Retry-After is ignored: the options' own pause applies", async (_kind, value) => {
    const p = path("bad-hint");
    server.route(p, { status: 503, headers: { "retry-after": value } }, { status: 200 });
    const { client, ends } = makeClient({ retryOptions: quick({ startTimeout: 4 }) });
    await client.get(p);
    expect(ends[0]!.delay).toBe(4);
  });

  it("Retry-After on other statuses is ignored", async () => {
    const p = path("500-hint");
    server.route(p, { status: 500, headers: { "retry-after": "1" } }, { status: 200 });
    const { client, ends } = makeClient({ retryOptions: quick({ startTimeout: 4 }) });
    await client.get(p);
    expect(ends[0]!.delay).toBe(4);
  });

  it("the pause runs on the injected clock: nothing is sent before it is over", async () => {
    const p = path("manual-clock");
    server.route(
      p,
      {
        status: 503,
        sendDate: false,
        headers: { "retry-after": "Wed, 21 Oct 2015 07:28:05 GMT" },
      },
      { status: 200, body: "later" },
    );
    const clock = new ManualClock();
    const { client } = makeClient({
      clock,
      now: () => Date.UTC(2015, 9, 21, 7, 28, 0),
      retryOptions: quick({ maxTimeout: 60_000 }),
    });
    const pending = client.get(p);
    await vi.waitFor(() => expect(clock.pendingTimers).toBe(1));
    expect(server.count(p)).toBe(1);
    await clock.advanceAsync(4_999);
    expect(server.count(p)).toBe(1);
    await clock.advanceAsync(1);
    expect(await (await pending).text()).toBe("later");
    expect(server.count(p)).toBe(2);
  });

  it("the engine really waits the hint", async () => {
    const p = path("hint-wait");
    server.route(p, { status: 503, headers: { "retry-after-ms": "120" } }, { status: 200 });
    const { client } = makeClient({ retryOptions: quick({ maxTimeout: 10_000 }) });
    const started = performance.now();
    await client.get(p);
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
  });
});

describe("no leaked connections", () => {
  it("cancels the bodies of retried responses before the pause", async () => {
    const p = path("endless");
    server.route(
      p,
      { status: 503, endless: true },
      { status: 503, endless: true },
      { status: 200 },
    );
    const closed = new Set<number>();
    const closedWhenNextStarted: boolean[] = [];
    const { client } = makeClient({
      // A generous pause: the server must see the connection close within it.
      retryOptions: quick({ startTimeout: 300, maxTimeout: 300 }),
      onRequestEnd: ({ attempt, willRetry }) => {
        if (!willRetry) return;
        const received = server.received.filter((r) => r.path === p)[attempt - 1]!;
        void received.closed.then(() => closed.add(attempt));
      },
      onRequestStart: ({ attempt }) => {
        if (attempt > 1) closedWhenNextStarted.push(closed.has(attempt - 1));
      },
    });
    const response = await client.get(p);
    expect(response.status).toBe(200);
    // An endless body closes only when the client cancels it.
    expect(closedWhenNextStarted).toEqual([true, true]);
    await response.text();
  });

  it("leaves the body of the returned response alone", async () => {
    const p = path("endless-last");
    server.route(p, { status: 503, endless: true });
    const { client } = makeClient({ retryOptions: quick({ attempts: 2 }) });
    const response = await client.get(p);
    const reader = response.body!.getReader();
    const chunk = await reader.read();
    expect(chunk.done).toBe(false);
    await reader.cancel();
  });
});

describe("cancellation and time limits", () => {
  it("an abort during a request ends it at once and is never retried", async () => {
    const p = path("slow");
    server.route(p, { status: 200, delay: 5_000 });
    const { client } = makeClient();
    const controller = new AbortController();
    const reason = new Error("user gave up");
    const pending = client.get(p, { signal: controller.signal });
    setTimeout(() => controller.abort(reason), 30);
    const started = performance.now();
    await expect(pending).rejects.toBe(reason);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(server.count(p)).toBe(1);
  });

  it("an abort during a pause ends it at once", async () => {
    const p = path("pause-abort");
    server.route(p, { status: 503 });
    const controller = new AbortController();
    const { client } = makeClient({
      retryOptions: quick({ startTimeout: 10_000, maxTimeout: 10_000 }),
      onRequestEnd: () => setTimeout(() => controller.abort(), 10),
    });
    const started = performance.now();
    await expect(client.get(p, { signal: controller.signal })).rejects.toMatchObject({
      name: "AbortError",
    });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(server.count(p)).toBe(1);
  });

  it("an already aborted signal sends nothing", async () => {
    const p = path("pre-aborted");
    server.route(p, { status: 200 });
    const { client } = makeClient();
    await expect(client.get(p, { signal: AbortSignal.abort("no") })).rejects.toBe("no");
    expect(server.count(p)).toBe(0);
  });

  it("attemptTimeout aborts a slow attempt's fetch and retries it", async () => {
    const p = path("attempt-timeout");
    server.route(p, { status: 200, delay: 5_000, body: "slow" }, { status: 200, body: "fast" });
    const { client, ends } = makeClient({ attemptTimeout: 150 });
    const response = await client.get(p);
    expect(await response.text()).toBe("fast");
    expect(server.count(p)).toBe(2);
    expect(ends[0]!.error).toMatchObject({ name: "TimeoutError", kind: "attempt" });
    // The abandoned fetch was really aborted: the server saw its connection close.
    await server.received.find((r) => r.path === p)!.closed;
  });

  it("attempt timeouts are not retried for POST either", async () => {
    const p = path("attempt-timeout-post");
    server.route(p, { status: 200, delay: 5_000 });
    const { client } = makeClient({ attemptTimeout: 100 });
    await expect(client.post(p, { body: "x" })).rejects.toMatchObject({ name: "TimeoutError" });
    expect(server.count(p)).toBe(1);
  });

  it("a deadline that falls in the pause returns the last response, unread", async () => {
    const p = path("deadline");
    server.route(p, { status: 503, body: "busy" });
    const { client } = makeClient({
      retryOptions: quick({ startTimeout: 5_000, maxTimeout: 5_000 }),
      deadline: 1_000,
    });
    const started = performance.now();
    const response = await client.get(p);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(response.status).toBe(503);
    expect(await response.text()).toBe("busy");
    expect(server.count(p)).toBe(1);
  });
});

describe("a broken getTimeout override", () => {
  it("fails the request with a RangeError instead of retrying in a hot loop", async () => {
    class Broken extends ExponentialRetry {
      override getTimeout(): number {
        return Number.NaN;
      }
    }
    const p = path("broken-timeout");
    server.route(p, { status: 503 });
    const { client } = makeClient({ retryOptions: new Broken() });
    await expect(client.get(p)).rejects.toThrow(RangeError);
    expect(server.count(p)).toBe(1);
  });
});

describe("deadline during a later attempt", () => {
  it("throws a deadline TimeoutError, not the earlier response whose body is gone", async () => {
    const p = path("deadline-later");
    server.route(p, { status: 503 }, { status: 200, delay: 5_000 });
    const { client, ends } = makeClient({ deadline: 300 });
    const error = await client.get(p).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "TimeoutError", kind: "deadline", timeout: 300 });
    expect((error as Error).message).toMatch(/HTTP 503/);
    expect(server.count(p)).toBe(2);
    expect(ends.map((e) => [e.attempt, e.response?.status ?? "error", e.willRetry])).toEqual([
      [1, 503, true],
      [2, "error", false],
    ]);
  });
});

describe("shared options between concurrent requests", () => {
  it("FibonacciRetry gives every request the same sequence (aiohttp-retry shares its state)", async () => {
    const options = new FibonacciRetry({ multiplier: 1, maxTimeout: 100, attempts: 4 });
    const { client, ends } = makeClient({ retryOptions: options });
    const paths = [path("fib-a"), path("fib-b"), path("fib-c")];
    for (const p of paths) server.route(p, { status: 503 });
    await Promise.all(paths.map((p) => client.get(p, { traceContext: { p } })));
    await client.get(paths[0]!, { traceContext: { p: "again" } });
    const delays = (p: string) => ends.filter((e) => e.traceContext.p === p).map((e) => e.delay);
    for (const p of [...paths, "again"]) expect(delays(p)).toEqual([2, 3, 5, undefined]);
  });

  it("ListRetry uses timeouts[0] for the first retry (aiohttp-retry skips it)", async () => {
    const p = path("list");
    server.route(p, { status: 503 });
    const { client, ends } = makeClient({ retryOptions: new ListRetry([1, 2, 3]) });
    await client.get(p);
    expect(ends.map((e) => e.delay)).toEqual([1, 2, 3, undefined]);
    expect(server.count(p)).toBe(4);
  });
});

describe("lifecycle and validation", () => {
  it("close() ends requests in flight and refuses new ones", async () => {
    const p = path("close");
    server.route(p, { status: 200, delay: 5_000 });
    const { client } = makeClient();
    const pending = client.get(p);
    setTimeout(() => void client.close(), 30);
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
    expect(client.closed).toBe(true);
    await expect(client.get(p)).rejects.toMatchObject({ name: "InvalidStateError" });
    expect(server.count(p)).toBe(1);
  });

  it("is async-disposable", async () => {
    let closed: RetryClient;
    {
      await using client = new RetryClient({ baseUrl: server.url });
      closed = client;
      expect(client.closed).toBe(false);
    }
    expect(closed.closed).toBe(true);
  });

  it("uses an injected fetch", async () => {
    const calls: string[] = [];
    const statuses = [500, 200];
    const client = new RetryClient({
      retryOptions: quick(),
      fetch: async (input) => {
        calls.push(String(input));
        return new Response("fake", { status: statuses.shift() ?? 200 });
      },
    });
    clients.push(client);
    const response = await client.get("https://example.invalid/x");
    expect(response.status).toBe(200);
    expect(calls).toEqual(["https://example.invalid/x", "https://example.invalid/x"]);
  });

  it.each([
    ["a relative URL without baseUrl", () => new RetryClient().get("/x"), TypeError, /url.*"\/x"/],
    ["an empty URL list", () => new RetryClient().get([]), RangeError, /url/],
    [
      "a GET with a body",
      () => new RetryClient().get("http://127.0.0.1:9/x", { body: "x" }),
      TypeError,
      /GET|body/i,
    ],
    [
      "bad retryOptions",
      () => new RetryClient().get("http://127.0.0.1:9/x", { retryOptions: {} as never }),
      TypeError,
      /retryOptions/,
    ],
    ["an empty requests list", () => new RetryClient().requests([]), TypeError, /paramsList/],
  ])("rejects %s before sending anything", async (_name, call, type, message) => {
    const before = server.received.length;
    const promise = call();
    await expect(promise).rejects.toThrow(type);
    await expect(promise).rejects.toThrow(message);
    expect(server.received.length).toBe(before);
  });

  it.each([
    ["retryOptions", { retryOptions: 3 }, TypeError],
    ["raiseForStatus", { raiseForStatus: "yes" }, TypeError],
    ["attemptTimeout", { attemptTimeout: -1 }, RangeError],
    ["deadline", { deadline: Number.NaN }, RangeError],
    ["fetch", { fetch: "fetch" }, TypeError],
    ["baseUrl", { baseUrl: "not a url" }, TypeError],
    ["onRequestStart", { onRequestStart: 1 }, TypeError],
  ])("the constructor rejects a bad %s", (name, options, type) => {
    expect(() => new RetryClient(options as never)).toThrow(type);
    expect(() => new RetryClient(options as never)).toThrow(name);
  });
});

describe("retryHistory of RetryClient errors", () => {
  it("an HttpStatusError made of the last response has the history of its attempts", async () => {
    const p = path("history-status");
    server.route(p, { status: 503 });
    const { client } = makeClient({ raiseForStatus: true });
    const error = await client.get(p).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpStatusError);
    const history = retryHistory(error);
    expect(history?.stopReason).toBe("max-tries");
    expect(history?.attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
  });

  it("an error thrown by evaluateResponse has the history of the call it stopped", async () => {
    const p = path("history-evaluate");
    server.route(p, { status: 500 }, { status: 200, body: "odd" });
    const bug = new Error("cannot read the body");
    const { client } = makeClient({
      retryOptions: quick({
        evaluateResponse: () => {
          throw bug;
        },
      }),
    });
    await expect(client.get(p)).rejects.toBe(bug);
    const history = retryHistory(bug);
    expect(history?.attempts).toHaveLength(2);
    expect(history?.attempts[0]?.outcome).toBe("error");
  });

  it("a throwing onRequestEnd's error has the history of the call it ended", async () => {
    const p = path("history-hook");
    server.route(p, { status: 500 });
    const bug = new Error("tracing failed");
    const { client } = makeClient({
      onRequestEnd: () => {
        throw bug;
      },
    });
    await expect(client.get(p)).rejects.toBe(bug);
    expect(retryHistory(bug)?.attempts).toHaveLength(1);
  });

  it("a non-retryable status answered at once has no history: the engine saw a success", async () => {
    const p = path("history-404");
    server.route(p, { status: 404 });
    const { client } = makeClient({ raiseForStatus: true });
    const error = await client.get(p).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpStatusError);
    expect(retryHistory(error)).toBeUndefined();
  });
});
