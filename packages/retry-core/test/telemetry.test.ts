import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { Backoff, ManualClock } from "@retrykit/retry-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { OtelFixture, points } from "./otel-fixture.js";

class Flaky extends Error {
  override name = "Flaky";
}

// Registered before the first call of the file, as an application registers its SDK at startup.
const otel = new OtelFixture();
beforeAll(() => {
  otel.register();
});
afterAll(() => otel.shutdown());
beforeEach(() => otel.reset());

/** A function that fails `failures` times, then returns "ok". */
function flaky(failures: number): () => Promise<string> {
  let n = 0;
  return async function load() {
    if (n++ < failures) throw new Flaky(`failure ${n}`);
    return "ok";
  };
}

describe("OpenTelemetry: one span per call", () => {
  it("a retried call is one span with one event per attempt", async () => {
    const clock = new ManualClock();
    const backoff = new Backoff({ clock, pause: 100, exceptions: [Flaky] });
    const call = backoff.execute(flaky(2));
    await clock.runAllAsync();
    expect(await call).toBe("ok");
    const [span, ...others] = otel.finished();
    expect(others).toEqual([]);
    expect(span?.name).toBe("retry load");
    expect(span?.kind).toBe(SpanKind.INTERNAL);
    expect(span?.instrumentationScope.name).toBe("@retrykit/retry-core");
    expect(span?.attributes).toMatchObject({ "retry.attempts": 3, "retry.stop_reason": "success" });
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
    expect(span?.events.map((e) => [e.name, e.attributes])).toEqual([
      [
        "retry.attempt",
        {
          "retry.attempt": 1,
          "retry.outcome": "error",
          "error.type": "Flaky",
          "retry.duration_ms": 0,
          "retry.delay_ms": 100,
          "retry.delay_source": "strategy",
        },
      ],
      [
        "retry.attempt",
        {
          "retry.attempt": 2,
          "retry.outcome": "error",
          "error.type": "Flaky",
          "retry.duration_ms": 0,
          "retry.delay_ms": 100,
          "retry.delay_source": "strategy",
        },
      ],
      ["retry.attempt", { "retry.attempt": 3, "retry.outcome": "value", "retry.duration_ms": 0 }],
    ]);
  });

  it("a call that succeeds at once still has its span (the fast path steps aside)", async () => {
    expect(await new Backoff().execute(async () => 1)).toBe(1);
    const spans = otel.finished();
    expect(spans.map((s) => [s.name, s.attributes["retry.attempts"], s.events.length])).toEqual([
      ["retry", 1, 1],
    ]);
  });

  it("a call that gives up ends its span with an error status and error.type", async () => {
    const error = new Flaky("down");
    const caught = await new Backoff({
      maxTries: 2,
      exceptions: [Flaky],
      telemetry: { spanName: "load profile", attributes: { "app.store": "primary" } },
    })
      .execute(() => Promise.reject(error))
      .catch((e: unknown) => e);
    expect(caught).toBe(error);
    const [span] = otel.finished();
    expect(span?.name).toBe("load profile");
    expect(span?.attributes).toEqual({
      "app.store": "primary",
      "retry.attempts": 2,
      "retry.stop_reason": "max-tries",
      "error.type": "Flaky",
    });
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: "max-tries: Flaky" });
  });

  it("attemptSpans: one child span per attempt, with the HTTP resend count from the second on", async () => {
    const clock = new ManualClock();
    const backoff = new Backoff({
      clock,
      pause: 10,
      exceptions: [Flaky],
      telemetry: {
        spanName: "GET retry",
        attemptSpans: true,
        attemptSpanName: "GET",
        attemptSpanKind: "client",
        httpResendCount: true,
      },
    });
    const call = backoff.execute(flaky(1));
    await clock.runAllAsync();
    await call;
    const spans = otel.finished();
    const parent = spans.find((s) => s.name === "GET retry");
    const attempts = spans.filter((s) => s.name === "GET");
    expect(attempts).toHaveLength(2);
    for (const attempt of attempts) {
      expect(attempt.parentSpanContext?.spanId).toBe(parent?.spanContext().spanId);
      expect(attempt.spanContext().traceId).toBe(parent?.spanContext().traceId);
      expect(attempt.kind).toBe(SpanKind.CLIENT);
    }
    expect(attempts[0]?.attributes["http.request.resend_count"]).toBeUndefined();
    expect(attempts[0]?.status.code).toBe(SpanStatusCode.ERROR);
    expect(attempts[1]?.attributes["http.request.resend_count"]).toBe(1);
    expect(attempts[1]?.status.code).toBe(SpanStatusCode.UNSET);
    expect(parent?.events).toEqual([]);
  });

  it("a hedged call reports each attempt once, the hedge flagged", async () => {
    const clock = new ManualClock();
    const backoff = new Backoff({
      clock,
      maxTries: 2,
      exceptions: [Flaky],
      hedge: { delay: 100, maxAttempts: 2 },
      telemetry: { spanName: "hedged" },
    });
    let n = 0;
    const call = backoff
      .execute(
        () =>
          new Promise((resolve, reject) => {
            const mine = ++n;
            clock.setTimeout(() => (mine === 1 ? reject(new Flaky("slow")) : resolve(mine)), 300);
          }),
      )
      .catch((e: unknown) => e);
    await clock.runAllAsync();
    expect(await call).toBe(2);
    const [span] = otel.finished();
    expect(span?.name).toBe("hedged");
    expect(
      span?.events.map((e) => [
        e.attributes?.["retry.attempt"],
        e.attributes?.["retry.outcome"],
        e.attributes?.["retry.hedged"],
      ]),
    ).toEqual([
      [1, "error", undefined],
      [2, "value", true],
    ]);
  });

  it("telemetry: false turns it off for one policy", async () => {
    await new Backoff({ telemetry: false }).execute(async () => 1);
    expect(otel.finished()).toEqual([]);
  });

  it("a session is one span with one event per attempt", async () => {
    const clock = new ManualClock();
    const backoff = new Backoff({ clock, pause: 5, exceptions: [Flaky] });
    let opened = 0;
    async function* numbers(): AsyncGenerator<number> {
      if (++opened === 1) throw new Flaky("cut");
      yield 1;
      yield 2;
    }
    const items: number[] = [];
    const consumed = (async () => {
      for await (const n of backoff.session({}, numbers)) items.push(n as number);
    })();
    await clock.runAllAsync();
    await consumed;
    expect(items).toEqual([1, 2]);
    const [span] = otel.finished();
    expect(span?.name).toBe("retry numbers");
    expect(span?.attributes["retry.stop_reason"]).toBe("success");
    expect(span?.events.map((e) => e.attributes?.["retry.outcome"])).toEqual(["error", "value"]);
  });
});

describe("OpenTelemetry metrics", () => {
  it("counts attempts, retries and give-ups by stop reason; histograms of attempts per call and delays", async () => {
    const clock = new ManualClock();
    const backoff = new Backoff({
      clock,
      pause: 100,
      maxTries: 3,
      exceptions: [Flaky],
      telemetry: { spanName: "metered" },
    });
    const ok = backoff.execute(flaky(1));
    const failed = backoff.execute(flaky(5)).catch(() => "failed");
    await clock.runAllAsync();
    expect([await ok, await failed]).toEqual(["ok", "failed"]);
    const byName = await otel.metricsNow();
    const mine = (name: string) =>
      points(byName.get(name)).filter(([attributes]) => attributes["retry.name"] === "metered");
    expect(mine("retry.attempts")).toEqual(
      expect.arrayContaining([
        [{ "retry.name": "metered", "retry.outcome": "error", "error.type": "Flaky" }, 4],
        [{ "retry.name": "metered", "retry.outcome": "value" }, 1],
      ]),
    );
    expect(mine("retry.retries")).toEqual([[{ "retry.name": "metered" }, 3]]);
    expect(mine("retry.give_ups")).toEqual([
      [{ "retry.name": "metered", "retry.stop_reason": "max-tries" }, 1],
    ]);
    expect(mine("retry.call.attempts")).toEqual(
      expect.arrayContaining([
        [
          { "retry.name": "metered", "retry.stop_reason": "success" },
          { count: 1, sum: 2 },
        ],
        [
          { "retry.name": "metered", "retry.stop_reason": "max-tries" },
          { count: 1, sum: 3 },
        ],
      ]),
    );
    expect(mine("retry.delay")).toEqual([
      [
        { "retry.name": "metered", "retry.delay_source": "strategy" },
        { count: 3, sum: 300 },
      ],
    ]);
    expect(byName.get("retry.delay")?.descriptor.unit).toBe("ms");
  });
});
