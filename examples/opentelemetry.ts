/**
 * OpenTelemetry for free: register a tracer provider, and every retried call is a span with one
 * event per attempt (or a child span per attempt). Here the SDK exports to memory, an S2 append is
 * retried through faults the emulator injects, and the span tree is printed as a person reads it.
 * With no provider registered, the engine does no OpenTelemetry work at all.
 *
 * Run: pnpm --filter @retrykit/examples run opentelemetry
 */
import { trace } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { Backoff } from "@retrykit/retry-core";
import { AppendRecord, S2 } from "@retrykit/s2-client";
import { startEmulator } from "@retrykit/s2-emulator";

// 1. What an application does once at startup (a real one exports over OTLP instead).
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
trace.setGlobalTracerProvider(provider);

// 2. An S2 emulator that fails the next two appends with UNAVAILABLE.
const emulator = await startEmulator({ seed: 7 });
const s2 = new S2({
  accessToken: "local-token",
  endpoints: { account: emulator.restEndpoint, basin: emulator.restEndpoint },
  retryBackoff: 25,
});

/** `12.3 ms` from an OpenTelemetry [seconds, nanoseconds] pair. */
function ms([seconds, nanos]: [number, number]): string {
  return `${(seconds * 1e3 + nanos / 1e6).toFixed(1)} ms`;
}

function attributes(values: Record<string, unknown>, keys: readonly string[]): string {
  return keys
    .filter((key) => values[key] !== undefined)
    .map((key) => {
      const value = values[key];
      const shown =
        typeof value === "number" && !Number.isInteger(value) ? value.toFixed(1) : value;
      return `${key}=${String(shown)}`;
    })
    .join(" ");
}

/** Prints a span, its attempt events and its child spans, indented as a tree. */
function printTree(span: ReadableSpan, all: readonly ReadableSpan[], indent = ""): void {
  const status = span.status.code === 2 ? `ERROR (${span.status.message})` : "OK";
  console.log(`${indent}${span.name}  ${ms(span.duration)}  ${status}`);
  console.log(`${indent}  ${attributes(span.attributes, Object.keys(span.attributes))}`);
  const start = span.startTime;
  for (const event of span.events) {
    const a = event.attributes ?? {};
    const at = ms([event.time[0] - start[0], event.time[1] - start[1]]);
    const pause =
      a["retry.delay_ms"] === undefined
        ? ""
        : `, then a pause of ${a["retry.delay_ms"]} ms (${a["retry.delay_source"]})`;
    const outcome = a["retry.outcome"] === "error" ? `failed: ${a["error.type"]}` : "succeeded";
    console.log(`${indent}  ├─ +${at}  attempt ${a["retry.attempt"]} ${outcome}${pause}`);
  }
  const children = all.filter((s) => s.parentSpanContext?.spanId === span.spanContext().spanId);
  for (const child of children) printTree(child, all, `${indent}  │  `);
}

try {
  await s2.createBasin("otel-basin", { createStreamOnAppend: true });
  const stream = s2.basin("otel-basin").stream("orders");
  exporter.reset();
  emulator.faults.add({ rpc: "Append", kind: "status", code: 14, times: 2 });
  const ack = await stream.append({ records: [AppendRecord.make("order #1")] });
  console.log(`appended at seq num ${ack.startSeqNum} after ${emulator.calls.Append} attempts\n`);

  // Any Backoff call can have one child span per attempt instead of events.
  let n = 0;
  const backoff = new Backoff({
    pause: 10,
    retryIf: () => true,
    telemetry: { spanName: "load price list", attemptSpans: true, attemptSpanName: "fetch prices" },
  });
  await backoff.execute(async () => {
    if (++n < 3) throw new Error("price service busy");
    return ["42.00"];
  });

  const spans = exporter.getFinishedSpans();
  const roots = spans.filter((s) => s.parentSpanContext === undefined);
  for (const root of roots) {
    printTree(root, spans);
    console.log();
  }
  const append = spans.find((s) => s.name === "s2.append");
  const ok =
    append?.attributes["retry.attempts"] === 3 &&
    append.events.length === 3 &&
    spans.filter((s) => s.name === "fetch prices").length === 3 &&
    !JSON.stringify(spans.map((s) => s.attributes)).includes("local-token");
  if (!ok) {
    console.error("the spans are not what this example shows");
    process.exitCode = 1;
  }
} finally {
  await s2.close();
  await emulator.close();
  await provider.shutdown();
}
