/**
 * The retrykit demo: an S2 emulator with injected faults, a producer that appends 50,000 records
 * exactly once through an append session, and a consumer that follows them with a read session.
 * Connections break, calls fail, acknowledgements get lost; the retries recover, and the consumer
 * checks that every record arrived once and in order.
 *
 * Run: `npm run demo` (or `node --conditions=@retrykit/source --import tsx examples/demo.ts`): the
 * client speaks S2's REST API v1 (s2s sessions over HTTP/2); add `--transport grpc` to run the same
 * demo over gRPC.
 * Exits 0 only when nothing was duplicated or lost.
 */
import { equalJitter } from "@retrykit/retry-core";
import {
  AppendRecord,
  appendInputs,
  bodyText,
  S2,
  SeqNumMismatchError,
  type Stream,
  Tail,
  type TransportKind,
} from "@retrykit/s2-client";
import { type Emulator, type FaultRule, startEmulator } from "@retrykit/s2-emulator";
import { count, duration, rate, table } from "./demo/format.js";
import { bar, ProgressBar } from "./demo/progress-bar.js";
import { causeOf, RetryRecorder } from "./demo/retry-recorder.js";
import { formatTimeline, type Outcome } from "./demo/timeline.js";

const RECORDS = 50_000;
const TRANSPORT = transportArgument(process.argv.slice(2));
const SEED = 2024;
const ACCESS_TOKEN = "demo-root-token";
const BASIN = "retrykit-demo";
const STREAM = "orders";
const UNAVAILABLE = 14;
const RESOURCE_EXHAUSTED = 8;
const DEADLINE_EXCEEDED = 4;

// What goes wrong, reproducibly (probabilities draw from the seeded generator).
const FAULTS: FaultRule[] = [
  // Control plane: the first create of each kind fails (the retry reuses its request token).
  { rpc: "CreateBasin", kind: "status", code: UNAVAILABLE, times: 1 },
  { rpc: "CreateStream", kind: "status", code: UNAVAILABLE, times: 1 },
  // Append sessions: refused, throttled with a hint, then cut after 8 acks (seeded draw), and two
  // batches appended whose acknowledgement is lost.
  { rpc: "AppendSession", kind: "status", code: UNAVAILABLE, times: 1 },
  {
    rpc: "AppendSession",
    kind: "status",
    code: RESOURCE_EXHAUSTED,
    after: 1,
    times: 1,
    trailers: { "retry-after-ms": "150" },
  },
  { rpc: "AppendSession", kind: "break", afterMessages: 8, after: 2, probability: 0.6, times: 3 },
  { rpc: "AppendSession", kind: "drop-ack", every: 15, times: 2 },
  { rpc: "AppendSession", kind: "latency", ms: 40 },
  // Read sessions: refused, timed out, then cut after 5 batches three times.
  { rpc: "ReadSession", kind: "status", code: UNAVAILABLE, times: 1 },
  { rpc: "ReadSession", kind: "status", code: DEADLINE_EXCEEDED, after: 1, times: 1 },
  { rpc: "ReadSession", kind: "break", afterMessages: 5, after: 2, times: 3 },
  { rpc: "ReadSession", kind: "latency", ms: 25 },
];

/** Record `i` names its own position, so the consumer can check order and uniqueness by content. */
function body(index: number): string {
  return `order-${String(index).padStart(6, "0")}|${"x".repeat(40)}`;
}

function indexOf(text: string): number {
  return Number(text.slice("order-".length, "order-".length + 6));
}

function* records(from: number, to: number): Generator<AppendRecord> {
  for (let index = from; index < to; index++) yield AppendRecord.make(body(index));
}

interface Progress {
  appended: number;
  read: number;
  appendedBytes: number;
  readBytes: number;
  duplicates: number;
  gaps: number;
  misplaced: number;
  /** Append sessions that ended on a lost acknowledgement and were resumed at the tail. */
  resumedAfterLostAck: number;
}

/**
 * The producer: one writer, every batch conditional on `matchSeqNum`. A retried batch can only
 * land at its own position; if an earlier attempt already landed (its acknowledgement was lost),
 * the retry fails with `SeqNumMismatchError`, which tells where the stream ends, and the producer
 * continues from there: every record is written once.
 */
async function produce(stream: Stream, progress: Progress, signal: AbortSignal): Promise<void> {
  let next = 0;
  while (next < RECORDS) {
    const inputs = appendInputs(records(next, RECORDS), { matchSeqNum: next, lingerMs: 5 });
    try {
      for await (const ack of stream.appendSession(inputs, { signal })) {
        const landed = Number(ack.endSeqNum - ack.startSeqNum);
        progress.appended += landed;
        progress.appendedBytes += landed * (8 + body(0).length);
        next = Number(ack.endSeqNum);
      }
    } catch (error) {
      if (!(error instanceof SeqNumMismatchError)) throw error;
      const tail = Number(error.expectedSeqNum);
      // Single writer: whatever lies between our last acknowledgement and the tail is ours.
      if (tail < next || tail > RECORDS) throw error;
      progress.appended += tail - next;
      progress.appendedBytes += (tail - next) * (8 + body(0).length);
      progress.resumedAfterLostAck++;
      next = tail;
    }
  }
}

/** The consumer: follows the stream from the start and checks each record's content and position. */
async function consume(stream: Stream, progress: Progress, signal: AbortSignal): Promise<void> {
  let expected = 0;
  for await (const batch of stream.readSession({ seqNum: 0 }, { signal })) {
    if (batch instanceof Tail)
      throw new Error(`the read session ended at the tail ${batch.nextSeqNum}`);
    for (const record of batch) {
      const index = indexOf(bodyText(record));
      if (record.seqNum !== BigInt(index)) progress.misplaced++;
      if (index < expected) progress.duplicates++;
      else {
        progress.gaps += index - expected;
        expected = index + 1;
      }
      progress.read++;
      progress.readBytes += record.body.length + 8;
    }
    if (expected >= RECORDS) return;
  }
}

/** `--transport rest|grpc` (default rest). */
function transportArgument(args: readonly string[]): TransportKind {
  const index = args.indexOf("--transport");
  const value = index < 0 ? "rest" : args[index + 1];
  if (value !== "rest" && value !== "grpc") {
    console.error(`demo: --transport must be rest or grpc, got ${value}`);
    process.exit(2);
  }
  return value;
}

/** The emulator's endpoints for the chosen transport. */
function endpointsOf(emulator: Emulator) {
  return TRANSPORT === "rest"
    ? { account: emulator.restEndpoint, basin: emulator.restEndpoint }
    : { account: emulator.endpoint, basin: emulator.endpoint, tls: false };
}

/** One illustrative call, with two faults aimed at it, timed through the client's retry hook. */
async function timelineOfOneCall(emulator: Emulator): Promise<string> {
  const recorder = new RetryRecorder();
  const client = new S2({
    accessToken: ACCESS_TOKEN,
    transport: TRANSPORT,
    endpoints: endpointsOf(emulator),
    retryBackoff: equalJitter({ base: 200, cap: 2000, min: 50 }),
    onRetry: recorder.onRetry,
  });
  const first = emulator.faults.add({
    rpc: "CheckTail",
    kind: "status",
    code: UNAVAILABLE,
    times: 1,
  });
  const second = emulator.faults.add({
    rpc: "CheckTail",
    kind: "status",
    code: RESOURCE_EXHAUSTED,
    after: 1,
    times: 1,
    trailers: { "retry-after-ms": "300" },
  });
  const startedAt = performance.now();
  let outcome: Outcome;
  try {
    const tail = await client.basin(BASIN).stream(STREAM).checkTail();
    outcome = { ok: true, detail: `tail at seq num ${count(tail.nextSeqNum)}` };
  } catch (error) {
    outcome = { ok: false, cause: causeOf(error) };
  } finally {
    await client.close();
    emulator.faults.remove(first);
    emulator.faults.remove(second);
  }
  // This client makes no other call: the one history it saw is this call's.
  const history = recorder.histories[0];
  if (history === undefined) return "    (the call was not retried)";
  return formatTimeline(startedAt, history, outcome);
}

async function main(): Promise<boolean> {
  const emulator = await startEmulator({
    port: 0,
    seed: SEED,
    rootToken: ACCESS_TOKEN,
    faults: FAULTS,
  });
  // Every retry the client makes is reported to its onRetry hook, and counted there by cause.
  const recorder = new RetryRecorder();
  const s2 = new S2({
    accessToken: ACCESS_TOKEN,
    transport: TRANSPORT,
    endpoints: endpointsOf(emulator),
    retryBackoff: equalJitter({ base: 100, cap: 1000, min: 20 }),
    // The emulator fails calls on purpose, far more often than a live service does. The default
    // retry budget exists to stop a client from piling retries onto a service that is failing,
    // so it would rightly give up here; the demo turns it off to show every record arriving once.
    retryBudget: null,
    onRetry: recorder.onRetry,
  });
  const progress: Progress = {
    appended: 0,
    read: 0,
    appendedBytes: 0,
    readBytes: 0,
    duplicates: 0,
    gaps: 0,
    misplaced: 0,
    resumedAfterLostAck: 0,
  };
  const bars = new ProgressBar(
    () =>
      `  append ${bar(progress.appended / RECORDS, 16)} ${count(progress.appended).padStart(6)}` +
      `   read ${bar(progress.read / RECORDS, 16)} ${count(progress.read).padStart(6)}` +
      `   retries ${recorder.total}`,
  );

  const where =
    TRANSPORT === "rest" ? `REST ${emulator.restEndpoint}` : `gRPC ${emulator.endpoint}`;
  console.log(`retrykit demo: S2 emulator over ${where}, seed ${SEED}`);
  console.log(
    `  faults: failing calls (UNAVAILABLE), sessions broken mid-stream, lost acknowledgements, latency`,
  );
  const stop = new AbortController();
  let producerMs = 0;
  let consumerMs = 0;
  try {
    await s2.createBasin(BASIN);
    const basin = s2.basin(BASIN);
    await basin.createStream(STREAM);
    const stream = basin.stream(STREAM);
    console.log(`  ${count(RECORDS)} records: producer → ${BASIN}/${STREAM} → consumer\n`);

    bars.start();
    const startedAt = performance.now();
    // If either side fails for good, stop the other one rather than leave it waiting.
    const side = (work: Promise<void>, done: (ms: number) => void) =>
      work.then(
        () => done(performance.now() - startedAt),
        (error: unknown) => {
          stop.abort(error);
          throw error;
        },
      );
    await Promise.all([
      side(produce(stream, progress, stop.signal), (ms) => (producerMs = ms)),
      side(consume(stream, progress, stop.signal), (ms) => (consumerMs = ms)),
    ]);
    bars.stop();

    const tail = await stream.checkTail();
    const retried = [...recorder.byCause].sort((a, b) => b[1] - a[1]);
    const ok =
      progress.duplicates === 0 &&
      progress.gaps === 0 &&
      progress.misplaced === 0 &&
      progress.read === RECORDS &&
      tail.nextSeqNum === BigInt(RECORDS);

    console.log(`
Summary
${table([
  ["records appended", count(progress.appended), `tail at seq num ${count(tail.nextSeqNum)}`],
  ["records read", count(progress.read), "in order, checked by content and sequence number"],
  ["duplicates", count(progress.duplicates), ""],
  ["gaps", count(progress.gaps + progress.misplaced), ""],
  [
    "append throughput",
    rate(progress.appended, progress.appendedBytes, producerMs),
    `(${duration(producerMs)})`,
  ],
  [
    "read throughput",
    rate(progress.read, progress.readBytes, consumerMs),
    `(${duration(consumerMs)})`,
  ],
])}

Retries by cause (reported to the client's onRetry hook)
${table(retried.length === 0 ? [["none", ""]] : retried.map(([cause, n]) => [cause, count(n)]))}
  The emulator injected ${emulator.faults.injected} faults (seed ${SEED}); one producer and one consumer opened ${emulator.calls.AppendSession} append sessions and ${emulator.calls.ReadSession} read sessions.
  Lost acknowledgements resolved by matchSeqNum: ${progress.resumedAfterLostAck} (the retried batch was refused, not written twice).

Retry timeline of one call (stream.checkTail, with two faults aimed at it)
${await timelineOfOneCall(emulator)}

${ok ? "OK: every record was appended once and read once, in order." : "FAILED: the stream does not hold each record exactly once."}`);
    return ok;
  } catch (error) {
    bars.stop();
    console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    return false;
  } finally {
    stop.abort();
    await s2.close();
    await emulator.close();
  }
}

process.exitCode = (await main()) ? 0 : 1;
