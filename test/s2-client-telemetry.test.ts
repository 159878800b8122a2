import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { AppendRecord } from "@retrykit/s2-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OtelFixture, points } from "../packages/retry-core/test/otel-fixture.js";
import { TRANSPORTS, useEmulator } from "./support/emulator-fixture.js";

const otel = new OtelFixture();

/** The `retry.retries` counter of append sessions, summed over the points recorded so far. */
async function sessionRetries(): Promise<number> {
  const byName = await otel.metricsNow();
  return points(byName.get("retry.retries"))
    .filter(([attributes]) => attributes["retry.name"] === "s2.append_session")
    .reduce((sum, [, value]) => sum + Number(value), 0);
}
beforeAll(() => {
  otel.register();
});
afterAll(() => otel.shutdown());

const records = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => AppendRecord.make(`r${from + i}`));

describe.each(TRANSPORTS)("S2 client spans against s2-emulator over %s", (transport) => {
  const fixture = useEmulator({ seed: 14, transport });
  // What a failed attempt says in each wire's conventions.
  const wire =
    transport === "grpc"
      ? {
          call: {
            "rpc.system": "grpc",
            "rpc.service": "s2.v1alpha.StreamService",
            "rpc.method": "AppendSession",
          },
          failure: { "error.type": "UNAVAILABLE", "rpc.grpc.status_code": 14 },
        }
      : {
          call: { "s2.transport": "rest", "s2.operation": "AppendSession" },
          failure: { "error.type": expect.any(String) },
        };

  it("an append session cut by a fault is one s2.append_session span with an event per attempt", async () => {
    const s2 = fixture.connect({ retryBackoff: 2, maxRetries: 5 });
    const basin = await fixture.freshBasin(s2, "otel");
    const stream = s2.basin(basin).stream("events");
    otel.reset();
    const retriesBefore = await sessionRetries();
    fixture.emulator.resetCalls();
    fixture.emulator.faults.add({
      rpc: "AppendSession",
      kind: "break",
      afterMessages: 3,
      times: 1,
    });
    const inputs = Array.from({ length: 8 }, (_, i) => ({ records: records(i * 5, 5) }));
    let acks = 0;
    for await (const _ of stream.appendSession(inputs)) acks++;
    expect(acks).toBe(8);
    expect(fixture.emulator.faults.injectedByKind.break).toBe(1);

    const spans = otel.finished().filter((s) => s.name === "s2.append_session");
    expect(spans).toHaveLength(1);
    const span = spans[0]!;
    expect(span.kind).toBe(SpanKind.INTERNAL);
    expect(span.attributes).toMatchObject({
      ...wire.call,
      "s2.basin": basin,
      "s2.stream": "events",
      "retry.stop_reason": "success",
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    // One event per session attempt, as many as the server saw.
    const events = span.events.filter((e) => e.name === "retry.attempt");
    expect(events).toHaveLength(fixture.emulator.calls.AppendSession);
    expect(events.map((e) => e.attributes?.["retry.outcome"])).toEqual(["error", "value"]);
    expect(events[0]?.attributes).toMatchObject({
      ...wire.failure,
      "retry.delay_ms": 2,
    });

    // The token never reaches telemetry.
    expect(JSON.stringify(otel.finished().map((s) => [s.attributes, s.events]))).not.toContain(
      "test-token",
    );
    // Metrics are cumulative over the file (both transports): this call added one retry.
    expect((await sessionRetries()) - retriesBefore).toBe(1);
  });

  it("unary calls are named after the operation (s2.check_tail) with basin and stream", async () => {
    const s2 = fixture.connect({ retryBackoff: 1 });
    const basin = await fixture.freshBasin(s2, "otel");
    const stream = s2.basin(basin).stream("tailed");
    await stream.append({ records: records(0, 1) });
    otel.reset();
    await stream.checkTail();
    const [span] = otel.finished().filter((s) => s.name === "s2.check_tail");
    expect(span?.attributes).toMatchObject({
      ...(transport === "grpc" ? { "rpc.method": "CheckTail" } : { "s2.operation": "CheckTail" }),
      "s2.basin": basin,
      "s2.stream": "tailed",
      "retry.attempts": 1,
    });
    const created = otel.finished().length;
    await s2.basin(basin).createStream("made");
    const createSpan = otel
      .finished()
      .slice(created)
      .find((s) => s.name === "s2.create_stream");
    expect(createSpan?.attributes["s2.basin"]).toBe(basin);
    expect(createSpan?.attributes["s2.stream"]).toBeUndefined();
  });

  it("calls never retried with their settings are spans too (maxRetries 0, appends not retried)", async () => {
    const setup = fixture.connect({ retryBackoff: 1 });
    const basin = await fixture.freshBasin(setup, "otel");
    const noRetries = fixture.connect({ maxRetries: 0 });
    const appendsOff = fixture.connect({ enableAppendRetries: false });
    otel.reset();
    await noRetries
      .basin(basin)
      .stream("once")
      .append({ records: records(0, 1) });
    await noRetries.basin(basin).stream("once").checkTail();
    await appendsOff
      .basin(basin)
      .stream("once")
      .append({ records: records(1, 1) });
    const acks: unknown[] = [];
    const session = appendsOff
      .basin(basin)
      .stream("once")
      .appendSession([{ records: records(2, 1) }]);
    for await (const ack of session) acks.push(ack);
    expect(acks).toHaveLength(1);
    const names = otel.finished().map((span) => span.name);
    expect(names.filter((name) => name === "s2.append")).toHaveLength(2);
    expect(names).toContain("s2.check_tail");
    expect(names).toContain("s2.append_session");
    // A failure of such a call is a span with an error status and one attempt.
    otel.reset();
    await expect(noRetries.basin(basin).stream("missing").checkTail()).rejects.toThrow();
    const [failed] = otel.finished().filter((span) => span.name === "s2.check_tail");
    expect(failed?.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed?.attributes["retry.attempts"]).toBe(1);
  });
});
