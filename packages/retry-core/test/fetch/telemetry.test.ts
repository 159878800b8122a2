import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { ExponentialRetry, RetryClient } from "@retrykit/retry-core/fetch";
import { afterAll, beforeAll, expect, it } from "vitest";
import { OtelFixture, points } from "../otel-fixture.js";
import { type ScriptedServer, startScriptedServer } from "./scripted-server.js";

const otel = new OtelFixture();
let server: ScriptedServer;
let client: RetryClient;

beforeAll(async () => {
  otel.register();
  server = await startScriptedServer();
  client = new RetryClient({
    baseUrl: server.url,
    retryOptions: new ExponentialRetry({ attempts: 3, startTimeout: 1, maxTimeout: 5 }),
  });
});

afterAll(async () => {
  await client.close();
  await server.close();
  await otel.shutdown();
});

it("follows the HTTP client conventions: a CLIENT span per attempt, resend count, status codes", async () => {
  server.route("/flaky", { status: 503 }, { status: 503 }, { status: 200, body: "fine" });
  const response = await client.get("/flaky");
  expect(await response.text()).toBe("fine");
  const spans = otel.finished();
  const call = spans.find((s) => s.name === "retry GET");
  const attempts = spans.filter((s) => s.name === "GET");
  const port = Number(new URL(server.url).port);
  expect(call?.kind).toBe(SpanKind.INTERNAL);
  expect(call?.attributes).toMatchObject({
    "http.request.method": "GET",
    "server.address": "127.0.0.1",
    "server.port": port,
    "url.full": `${server.url}/flaky`,
    "retry.attempts": 3,
    "retry.stop_reason": "success",
  });
  expect(
    attempts.map((s) => [
      s.kind,
      s.parentSpanContext?.spanId === call?.spanContext().spanId,
      s.attributes["http.request.resend_count"],
      s.attributes["http.response.status_code"],
      s.attributes["error.type"],
      s.status.code,
    ]),
  ).toEqual([
    [SpanKind.CLIENT, true, undefined, 503, "503", SpanStatusCode.ERROR],
    [SpanKind.CLIENT, true, 1, 503, "503", SpanStatusCode.ERROR],
    [SpanKind.CLIENT, true, 2, 200, undefined, SpanStatusCode.UNSET],
  ]);
  const byName = await otel.metricsNow();
  expect(
    points(byName.get("retry.give_ups")).filter(([a]) => a["retry.name"] === "retry GET"),
  ).toEqual([]);
  expect(
    points(byName.get("retry.retries")).filter(([a]) => a["retry.name"] === "retry GET"),
  ).toEqual([[{ "retry.name": "retry GET" }, 2]]);
});

it("a request that runs out of attempts on a status ends its call span with that status as error.type", async () => {
  otel.reset();
  server.route("/down", { status: 502 });
  const response = await client.get("/down");
  expect(response.status).toBe(502);
  await response.body?.cancel();
  const call = otel.finished().find((s) => s.name === "retry GET");
  expect(call?.attributes["retry.stop_reason"]).toBe("max-tries");
  expect(call?.attributes["error.type"]).toBe("502");
  expect(call?.status.code).toBe(SpanStatusCode.ERROR);
});
