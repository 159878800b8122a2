import { inspect } from "node:util";
import {
  type Metadata,
  Server,
  ServerCredentials,
  type ServerDuplexStream,
  type ServerWritableStream,
  status,
} from "@grpc/grpc-js";
import {
  AccountServiceService,
  type AppendSessionRequest,
  type AppendSessionResponse,
  type ReadSessionRequest,
  type ReadSessionResponse,
  StreamServiceService,
  type SequencedRecord as WireRecord,
} from "@retrykit/s2-proto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AppendRecord, bodyText, S2, S2Error, Tail } from "../src/index.js";

// A small scripted server: enough of the API to watch the client's retries on the wire.
const SECRET = "super-secret-token-value";
const calls: Record<string, number> = {};
const tokens: string[] = [];
const failures: Record<string, number> = {};
/** CheckTail calls left to leave unanswered (until the client's deadline). */
let stalledCheckTails = 0;
const log: WireRecord[] = [];
let breakSessionAfter = Number.POSITIVE_INFINITY;
let lastMetadata: Metadata | undefined;

function count(name: string, metadata: Metadata): boolean {
  calls[name] = (calls[name] ?? 0) + 1;
  lastMetadata = metadata;
  if ((failures[name] ?? 0) > 0) {
    failures[name]!--;
    return true;
  }
  return false;
}
const unavailable = { code: status.UNAVAILABLE, details: "try again" };

let server: Server;
let endpoint: string;

beforeAll(async () => {
  server = new Server();
  server.addService(AccountServiceService, {
    createBasin(
      call: { request: { basin: string }; metadata: Metadata },
      cb: (e: unknown, r?: unknown) => void,
    ) {
      tokens.push(String(call.metadata.get("s2-request-token")[0]));
      if (count("CreateBasin", call.metadata)) return cb(unavailable);
      cb(null, { info: { name: call.request.basin, state: 1, scope: 0 } });
    },
  } as never);
  server.addService(StreamServiceService, {
    checkTail(call: { metadata: Metadata }, cb: (e: unknown, r?: unknown) => void) {
      if (count("CheckTail", call.metadata)) return cb(unavailable);
      if (stalledCheckTails > 0) {
        stalledCheckTails--;
        return;
      }
      cb(null, { nextSeqNum: BigInt(log.length), lastTimestamp: 7n });
    },
    appendSession(call: ServerDuplexStream<AppendSessionRequest, AppendSessionResponse>) {
      if (count("AppendSession", call.metadata))
        return call.emit("error", Object.assign(new Error("x"), unavailable));
      let acked = 0;
      call.on("data", (request: AppendSessionRequest) => {
        const input = request.input!;
        if (input.matchSeqNum !== undefined && input.matchSeqNum !== BigInt(log.length)) {
          call.emit(
            "error",
            Object.assign(new Error("mismatch"), {
              code: status.FAILED_PRECONDITION,
              details: "mismatch",
            }),
          );
          return;
        }
        const start = log.length;
        for (const r of input.records)
          log.push({ seqNum: BigInt(log.length), timestamp: 1n, headers: r.headers, body: r.body });
        if (++acked > breakSessionAfter) {
          breakSessionAfter = Number.POSITIVE_INFINITY;
          call.emit("error", Object.assign(new Error("dropped"), unavailable));
          return;
        }
        call.write({
          output: {
            startSeqNum: BigInt(start),
            endSeqNum: BigInt(log.length),
            nextSeqNum: BigInt(log.length),
            startTimestamp: 1n,
            endTimestamp: 1n,
            lastTimestamp: 1n,
          },
        });
      });
      call.on("end", () => call.end());
    },
    readSession(call: ServerWritableStream<ReadSessionRequest, ReadSessionResponse>) {
      if (count("ReadSession", call.metadata))
        return call.emit("error", Object.assign(new Error("x"), unavailable));
      const start = call.request.start?.$case === "seqNum" ? Number(call.request.start.seqNum) : 0;
      let sent = 0;
      for (let i = start; i < log.length; i += 2) {
        if (sent++ === 2 && failures.ReadSessionBreak) {
          failures.ReadSessionBreak--;
          call.emit("error", Object.assign(new Error("broken"), unavailable));
          return;
        }
        call.write({
          output: { output: { $case: "batch", batch: { records: log.slice(i, i + 2) } } },
        });
      }
      call.write({ output: { output: { $case: "nextSeqNum", nextSeqNum: BigInt(log.length) } } });
      call.end();
    },
  } as never);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  endpoint = `127.0.0.1:${port}`;
});

afterAll(() => server.forceShutdown());

beforeEach(() => {
  for (const key of Object.keys(calls)) delete calls[key];
  for (const key of Object.keys(failures)) delete failures[key];
  tokens.length = 0;
  log.length = 0;
  breakSessionAfter = Number.POSITIVE_INFINITY;
});

function client(options: Partial<ConstructorParameters<typeof S2>[0]> = {}): S2 {
  return new S2({
    accessToken: SECRET,
    transport: "grpc",
    endpoints: { account: endpoint, basin: endpoint, tls: false },
    retryBackoff: 1,
    ...options,
  });
}

describe("S2 client against a scripted server", () => {
  it("retries a read-only call on UNAVAILABLE, as many times as maxRetries allows", async () => {
    // Without the retry budget, which would stop a run of failures before maxRetries (see below).
    await using s2 = client({ maxRetries: 3, retryBudget: null });
    const stream = s2.basin("my-basin-1").stream("s");
    failures.CheckTail = 3;
    expect(await stream.checkTail()).toEqual(new Tail(0n, 7n));
    expect(calls.CheckTail).toBe(4);
    expect(lastMetadata?.get("authorization")).toEqual([`Bearer ${SECRET}`]);
    expect(lastMetadata?.get("s2-basin")).toEqual(["my-basin-1"]);
    failures.CheckTail = 5;
    const error = await stream.checkTail().catch((e: unknown) => e);
    expect(S2Error.is(error) && error.code === status.UNAVAILABLE).toBe(true);
    expect(calls.CheckTail).toBe(8);
  });

  it("has a retry budget per client by default (gRPC's 10 tokens, ratio 0.1)", async () => {
    await using s2 = client({ maxRetries: 3 });
    const stream = s2.basin("my-basin-1").stream("s");
    failures.CheckTail = 100;
    // 10 → 9, 8, 7: retried; 6: out of tries. Then 5, 4: refused at once.
    await expect(stream.checkTail()).rejects.toMatchObject({ code: status.UNAVAILABLE });
    expect(calls.CheckTail).toBe(4);
    await expect(stream.checkTail()).rejects.toMatchObject({ code: status.UNAVAILABLE });
    expect(calls.CheckTail).toBe(5);
    await expect(stream.checkTail()).rejects.toMatchObject({ code: status.UNAVAILABLE });
    expect(calls.CheckTail).toBe(6);
    // The budget is the client's: another client still retries.
    await using other = client({ maxRetries: 1 });
    await expect(other.basin("my-basin-1").stream("s").checkTail()).rejects.toMatchObject({
      code: status.UNAVAILABLE,
    });
    expect(calls.CheckTail).toBe(8);
  });

  it("hedges checkTail with hedgeReads: a stalled attempt is overtaken by the next", async () => {
    await using s2 = client({ hedgeReads: { delay: 20, maxAttempts: 2 }, requestTimeout: 3_000 });
    const stream = s2.basin("my-basin-1").stream("s");
    stalledCheckTails = 1;
    const started = performance.now();
    expect(await stream.checkTail()).toEqual(new Tail(BigInt(log.length), 7n));
    expect(calls.CheckTail).toBe(2);
    // Well before the stalled attempt's deadline (a generous margin for a busy machine).
    expect(performance.now() - started).toBeLessThan(2_500);
  });

  it("rejects a retryBudget that is not a RetryBudget and bad hedgeReads", () => {
    expect(() => client({ retryBudget: {} as never })).toThrow(/retryBudget must be a RetryBudget/);
    expect(() => client({ hedgeReads: { delay: 10, maxAttempts: 0 } })).toThrow(
      /hedgeReads.maxAttempts/,
    );
  });

  it("sends one s2-request-token across the retries of a create", async () => {
    await using s2 = client();
    failures.CreateBasin = 2;
    const info = await s2.createBasin("my-basin-1");
    expect(info).toEqual({ name: "my-basin-1", state: "active", scope: "unspecified" });
    expect(tokens).toHaveLength(3);
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).toMatch(/^[0-9a-f]{32}$/);
    await s2.createBasin("my-basin-2");
    expect(new Set(tokens).size).toBe(2);
  });

  it("rejects bad input before any request", async () => {
    await using s2 = client();
    await expect(s2.createBasin("Bad_Name")).rejects.toThrow(RangeError);
    expect(() => s2.basin("x")).toThrow(/basin name/);
    const stream = s2.basin("my-basin-1").stream("s");
    await expect(stream.append({ records: [] })).rejects.toThrow(/1 to 1000 records/);
    await expect(stream.read({ seqNum: -1 })).rejects.toThrow(/start.seqNum/);
    expect(() => stream.readSession({ seqNum: 0 }, { limit: { count: -1 } })).toThrow(
      /limit.count/,
    );
    expect(calls).toEqual({});
  });

  it("refuses a signal that is not an AbortSignal on every method, naming it, before any request", async () => {
    await using s2 = client();
    const basin = s2.basin("my-basin-1");
    const stream = basin.stream("s");
    const options = { signal: "x" as never };
    const message = /signal must be an AbortSignal, got "x"/;
    const calls_: Array<() => Promise<unknown> | AsyncGenerator<unknown>> = [
      () => s2.createBasin("my-basin-2", undefined, options),
      () => s2.listBasins(options),
      () => s2.deleteBasin("my-basin-2", options),
      () => s2.getBasinConfig("my-basin-2", options),
      () => s2.reconfigureBasin("my-basin-2", {}, options),
      () => s2.issueAccessToken("t", {}, options),
      () => s2.listAccessTokens(options),
      () => s2.revokeAccessToken("t", options),
      () => basin.createStream("s2", undefined, options),
      () => basin.listStreams(options),
      () => basin.deleteStream("s2", options),
      () => basin.getStreamConfig("s2", options),
      () => basin.reconfigureStream("s2", {}, options),
      () => stream.checkTail(options),
      () => stream.append({ records: [AppendRecord.make("a")] }, options),
      () => stream.read({ seqNum: 0 }, options),
      () => s2.listAllBasins(options),
      () => s2.listAllAccessTokens(options),
      () => basin.listAllStreams(options),
      () => stream.readSession({ seqNum: 0 }, options),
      () => stream.appendSession([], options),
    ];
    for (const call of calls_) {
      let thrown: unknown;
      try {
        const result = call();
        if (Symbol.asyncIterator in result) await (result as AsyncGenerator<unknown>).next();
        else await result;
      } catch (error) {
        thrown = error;
      }
      expect(thrown, String(call)).toBeInstanceOf(TypeError);
      expect((thrown as Error).message, String(call)).toMatch(message);
    }
    expect(calls).toEqual({});
  });

  it("never shows the access token", async () => {
    await using s2 = client({ maxRetries: 0 });
    failures.CheckTail = 1;
    const error = await s2
      .basin("my-basin-1")
      .stream("s")
      .checkTail()
      .catch((e: unknown) => e);
    const seen = [
      inspect(s2, { showHidden: true, depth: 10 }),
      String(s2),
      JSON.stringify(s2),
      JSON.stringify(s2.settings),
      inspect(error, { showHidden: true, depth: 10 }),
      String(error),
      inspect(s2.basin("my-basin-1"), { depth: 10 }),
    ];
    for (const text of seen) expect(text).not.toContain(SECRET);
    expect(() => new S2({ accessToken: "" })).toThrow(/accessToken/);
  });

  it("resends unacknowledged batches after a broken append session", async () => {
    await using s2 = client();
    const stream = s2.basin("my-basin-1").stream("s");
    breakSessionAfter = 3; // the 4th batch is applied but its acknowledgement is lost
    failures.AppendSession = 1; // and the first connection fails outright
    const inputs = Array.from({ length: 10 }, (_, i) => ({
      records: [AppendRecord.make(`r${i}`)],
    }));
    const acks = [];
    for await (const ack of stream.appendSession(inputs)) acks.push(ack);
    expect(acks).toHaveLength(10);
    // Without matchSeqNum the lost acknowledgement duplicates one batch ("all" policy).
    expect(log.map(bodyText)).toEqual([
      "r0",
      "r1",
      "r2",
      "r3",
      "r3",
      "r4",
      "r5",
      "r6",
      "r7",
      "r8",
      "r9",
    ]);
    expect(calls.AppendSession).toBe(3);
  });

  it("resumes a read session after the last record it delivered", async () => {
    await using s2 = client();
    for (let i = 0; i < 12; i++)
      log.push({ seqNum: BigInt(i), timestamp: 1n, headers: [], body: Buffer.from(`r${i}`) });
    failures.ReadSessionBreak = 2;
    const seen: string[] = [];
    let tail: Tail | undefined;
    for await (const batch of s2.basin("my-basin-1").stream("s").readSession({ seqNum: 0 })) {
      if (batch instanceof Tail) tail = batch;
      else seen.push(...batch.map(bodyText));
    }
    expect(seen).toEqual(log.map(bodyText));
    expect(tail?.nextSeqNum).toBe(12n);
    expect(calls.ReadSession).toBe(3);
  });

  it("aborts a call with the caller's reason and makes no further attempt", async () => {
    await using s2 = client({ retryBackoff: 10_000 });
    failures.CheckTail = 1;
    const controller = new AbortController();
    const pending = s2.basin("my-basin-1").stream("s").checkTail({ signal: controller.signal });
    setTimeout(() => controller.abort(new Error("stop")), 50);
    await expect(pending).rejects.toThrow("stop");
    expect(calls.CheckTail).toBe(1);
  });
});
