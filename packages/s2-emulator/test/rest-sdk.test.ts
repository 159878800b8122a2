import { credentials } from "@grpc/grpc-js";
import { StreamServiceClient } from "@retrykit/s2-proto";
import {
  AppendInput,
  AppendRecord,
  BatchTransform,
  FencingTokenMismatchError,
  Producer,
  RangeNotSatisfiableError,
  S2,
  S2Error,
  SeqNumMismatchError,
} from "@s2-dev/streamstore";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../src/index.js";
import { call, meta, records } from "./helpers.js";

// S2's official TypeScript SDK against the emulator's REST port: unary calls over HTTP/1.1,
// sessions over h2c (or SSE with the fetch transport), as it talks to S2 itself.

let emulator: Emulator;
let s2: S2;
const streams: Array<{ close(): Promise<void> }> = [];

function sdk(endpoint: string, options: Partial<ConstructorParameters<typeof S2>[0]> = {}): S2 {
  return new S2({
    accessToken: "local",
    endpoints: { account: endpoint, basin: endpoint },
    retry: { minBaseDelayMillis: 10, maxBaseDelayMillis: 20 },
    ...options,
  });
}

function stream(basin: string, name: string, transport?: "fetch" | "s2s") {
  const handle = s2
    .basin(basin)
    .stream(name, transport === undefined ? undefined : { forceTransport: transport });
  streams.push(handle);
  return handle;
}

async function basinWithStream(basin: string, name = "events"): Promise<void> {
  await s2.basins.create({ basin });
  await s2.basin(basin).streams.create({ stream: name });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

beforeEach(async () => {
  emulator = await startEmulator();
  s2 = sdk(emulator.restEndpoint);
});

afterEach(async () => {
  for (const handle of streams.splice(0)) await handle.close();
  await emulator.close();
});

describe("official SDK: basins and streams", () => {
  it("creates, ensures, lists with pagination, reconfigures and deletes basins", async () => {
    const created = await s2.basins.create({ basin: "basin-0001" });
    expect(created.name).toBe("basin-0001");
    for (const name of ["basin-0002", "basin-0003", "other-0001"]) {
      await s2.basins.create({ basin: name });
    }
    const page = await s2.basins.list({ prefix: "basin-", limit: 2 });
    expect(page.basins.map((basin) => basin.name)).toEqual(["basin-0001", "basin-0002"]);
    expect(page.hasMore).toBe(true);
    const next = await s2.basins.list({ prefix: "basin-", startAfter: "basin-0002", limit: 2 });
    expect(next.basins.map((basin) => basin.name)).toEqual(["basin-0003"]);
    expect(next.hasMore).toBe(false);
    const all: string[] = [];
    for await (const basin of s2.basins.listAll({ prefix: "basin-" })) all.push(basin.name);
    expect(all).toEqual(["basin-0001", "basin-0002", "basin-0003"]);

    expect((await s2.basins.ensure({ basin: "basin-0001" })).result).toBe("noop");
    expect((await s2.basins.ensure({ basin: "basin-0009" })).result).toBe("created");
    const updated = await s2.basins.ensure({
      basin: "basin-0001",
      config: { createStreamOnAppend: true },
    });
    expect(updated.result).toBe("updated");
    expect((await s2.basins.getConfig({ basin: "basin-0001" })).createStreamOnAppend).toBe(true);
    const reconfigured = await s2.basins.reconfigure({
      basin: "basin-0001",
      createStreamOnRead: true,
    });
    expect(reconfigured).toMatchObject({ createStreamOnAppend: true, createStreamOnRead: true });

    const duplicate = await rejection(s2.basins.create({ basin: "basin-0002" }));
    expect(duplicate).toBeInstanceOf(S2Error);
    expect((duplicate as S2Error).status).toBe(409);
    await s2.basins.delete({ basin: "basin-0002" });
    const gone = await rejection(s2.basins.getConfig({ basin: "basin-0002" }));
    expect((gone as S2Error).status).toBe(404);
  });

  it("creates, ensures, lists, reconfigures and deletes streams", async () => {
    await s2.basins.create({ basin: "stream-basin" });
    const streamsOf = s2.basin("stream-basin").streams;
    for (const name of ["a/1", "a/2", "a/3", "b/1"]) await streamsOf.create({ stream: name });
    const page = await streamsOf.list({ prefix: "a/", limit: 2 });
    expect(page.streams.map((info) => info.name)).toEqual(["a/1", "a/2"]);
    expect(page.hasMore).toBe(true);
    const all: string[] = [];
    for await (const info of streamsOf.listAll({ prefix: "a/" })) all.push(info.name);
    expect(all).toEqual(["a/1", "a/2", "a/3"]);

    expect((await streamsOf.ensure({ stream: "a/1" })).result).toBe("noop");
    expect((await streamsOf.ensure({ stream: "c/1" })).result).toBe("created");
    const ensured = await streamsOf.ensure({
      stream: "a/1",
      config: { retentionPolicy: { infinite: {} } },
    });
    expect(ensured.result).toBe("updated");
    expect((await streamsOf.getConfig({ stream: "a/1" })).retentionPolicy).toEqual({
      infinite: {},
    });
    const reconfigured = await streamsOf.reconfigure({
      stream: "a/1",
      retentionPolicy: { ageSecs: 3600 },
      timestamping: { mode: "arrival" },
    });
    expect(reconfigured.retentionPolicy).toEqual({ ageSecs: 3600 });
    expect(reconfigured.timestamping?.mode).toBe("arrival");

    await streamsOf.delete({ stream: "a/2" });
    const gone = await rejection(streamsOf.getConfig({ stream: "a/2" }));
    expect((gone as S2Error).status).toBe(404);
  });
});

describe("official SDK: records", () => {
  it("appends string and bytes records and reads them as JSON and protobuf", async () => {
    await basinWithStream("record-basin");
    const events = stream("record-basin", "events");
    const first = await events.append(
      AppendInput.create([AppendRecord.string({ body: "hello", headers: [["k", "v"]] })], {
        matchSeqNum: 0,
      }),
    );
    expect(first.start.seqNum).toBe(0);
    expect(first.end.seqNum).toBe(1);
    const bytes = await events.append(
      AppendInput.create([AppendRecord.bytes({ body: new Uint8Array([0, 255, 7]) })]),
    );
    expect(bytes.start.seqNum).toBe(1);

    const asStrings = await events.read({ start: { from: { seqNum: 0 } } });
    expect(asStrings.records.map((record) => record.body)).toEqual(["hello", "\u0000\ufffd\u0007"]);
    expect(asStrings.records[0]!.headers).toEqual([["k", "v"]]);
    const asBytes = await events.read({ start: { from: { seqNum: 0 } } }, { as: "bytes" });
    expect([...asBytes.records[1]!.body]).toEqual([0, 255, 7]);

    const tail = await events.checkTail();
    expect(tail.tail.seqNum).toBe(2);
    const beyond = await rejection(events.read({ start: { from: { seqNum: 5 } } }));
    expect(beyond).toBeInstanceOf(RangeNotSatisfiableError);
  });

  it("surfaces matchSeqNum and fencing mismatches as the SDK's own errors", async () => {
    await basinWithStream("fence-basin");
    const events = stream("fence-basin", "events");
    await events.append(AppendInput.create([AppendRecord.string({ body: "a" })]));
    const seq = await rejection(
      events.append(AppendInput.create([AppendRecord.string({ body: "b" })], { matchSeqNum: 0 })),
    );
    expect(seq).toBeInstanceOf(SeqNumMismatchError);
    expect((seq as SeqNumMismatchError).expectedSeqNum).toBe(1);

    await events.append(AppendInput.create([AppendRecord.fence("writer-1")]));
    const fenced = await rejection(
      events.append(
        AppendInput.create([AppendRecord.string({ body: "c" })], { fencingToken: "writer-0" }),
      ),
    );
    expect(fenced).toBeInstanceOf(FencingTokenMismatchError);
    expect((fenced as FencingTokenMismatchError).expectedFencingToken).toBe("writer-1");
    const ok = await events.append(
      AppendInput.create([AppendRecord.string({ body: "c" })], { fencingToken: "writer-1" }),
    );
    expect(ok.start.seqNum).toBe(2);
  });

  it("runs an append session and a producer over s2s", async () => {
    await basinWithStream("session-basin");
    const events = stream("session-basin", "events");
    const session = await events.appendSession();
    const tickets = [];
    for (let batch = 0; batch < 20; batch++) {
      tickets.push(
        await session.submit(
          AppendInput.create([
            AppendRecord.string({ body: `r${batch}a` }),
            AppendRecord.string({ body: `r${batch}b` }),
          ]),
        ),
      );
    }
    const acks = await Promise.all(tickets.map((ticket) => ticket.ack()));
    expect(acks.map((ack) => ack.start.seqNum)).toEqual(acks.map((_, index) => index * 2));
    await session.close();

    const producer = new Producer(
      new BatchTransform({ lingerDurationMillis: 1 }),
      await events.appendSession(),
    );
    const recordTickets = [];
    for (let index = 0; index < 50; index++) {
      recordTickets.push(await producer.submit(AppendRecord.string({ body: `p${index}` })));
    }
    const seqNums = await Promise.all(
      recordTickets.map(async (ticket) => (await ticket.ack()).seqNum()),
    );
    expect(seqNums).toEqual(Array.from({ length: 50 }, (_, index) => 40 + index));
    await producer.close();
    expect((await events.checkTail()).tail.seqNum).toBe(90);
  });

  it.each(["s2s", "fetch"] as const)("reads a live session over %s", async (transport) => {
    await basinWithStream("live-basin");
    const writer = stream("live-basin", "events");
    await writer.append(AppendInput.create([AppendRecord.string({ body: "before" })]));
    const reader = stream("live-basin", "events", transport);
    const session = await reader.readSession({ start: { from: { seqNum: 0 } } });
    const iterator = session[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.body).toBe("before");
    await writer.append(AppendInput.create([AppendRecord.string({ body: "after" })]));
    const next = await iterator.next();
    expect(next.value?.body).toBe("after");
    expect(next.value?.seqNum).toBe(1);
    await iterator.return?.();
  });
});

describe("official SDK: access tokens", () => {
  it("issues, lists and revokes tokens whose scope is enforced", async () => {
    await basinWithStream("token-basin");
    const issued = await s2.accessTokens.issue({
      id: "reader",
      scope: {
        basins: { exact: "token-basin" },
        streams: { prefix: "" },
        ops: ["read", "check-tail"],
      },
    });
    expect(issued.accessToken.length).toBeGreaterThan(10);
    const listed = await s2.accessTokens.list();
    expect(listed.accessTokens.map((token) => token.id)).toEqual(["reader"]);
    expect(listed.accessTokens[0]!.scope.ops).toEqual(["read", "check-tail"]);

    const reader = sdk(emulator.restEndpoint, { accessToken: issued.accessToken });
    const readable = reader.basin("token-basin").stream("events");
    streams.push(readable);
    expect((await readable.checkTail()).tail.seqNum).toBe(0);
    const denied = await rejection(
      readable.append(AppendInput.create([AppendRecord.string({ body: "x" })])),
    );
    expect((denied as S2Error).status).toBe(403);

    await s2.accessTokens.revoke({ id: "reader" });
    expect((await s2.accessTokens.list()).accessTokens).toEqual([]);
  });
});

describe("official SDK: retries through injected faults", () => {
  it("gets through injected 503s on unary calls", async () => {
    await basinWithStream("retry-basin");
    emulator.faults.add("Append:UNAVAILABLE:times=2");
    emulator.faults.add("CheckTail:UNAVAILABLE:times=1");
    const events = stream("retry-basin", "events");
    const ack = await events.append(AppendInput.create([AppendRecord.string({ body: "x" })]));
    expect(ack.end.seqNum).toBe(1);
    expect((await events.checkTail()).tail.seqNum).toBe(1);
    expect(emulator.calls.Append).toBe(3);
    expect(emulator.faults.injected).toBe(3);
  });

  it("gets through cut read and append sessions", async () => {
    await basinWithStream("cut-basin");
    const events = stream("cut-basin", "events");
    await events.append(
      AppendInput.create(
        Array.from({ length: 5 }, (_, index) => AppendRecord.string({ body: `${index}` })),
      ),
    );
    // The session is cut after its 2nd frame (the catch-up batch, then the heartbeat when it
    // starts following); the SDK resumes from the next record.
    emulator.faults.add("ReadSession:break-after=2:times=1");
    const session = await events.readSession({ start: { from: { seqNum: 0 } } });
    const iterator = session[Symbol.asyncIterator]();
    const bodies: string[] = [];
    for (let index = 0; index < 5; index++) bodies.push((await iterator.next()).value!.body);
    await events.append(AppendInput.create([AppendRecord.string({ body: "5" })]));
    bodies.push((await iterator.next()).value!.body);
    expect(bodies).toEqual(["0", "1", "2", "3", "4", "5"]);
    await iterator.return?.();
    expect(emulator.faults.injectedByKind.break).toBe(1);

    emulator.faults.add("AppendSession:break-after=2:times=1");
    const appender = await events.appendSession();
    const tickets = [];
    for (let index = 0; index < 5; index++) {
      tickets.push(
        await appender.submit(AppendInput.create([AppendRecord.string({ body: `s${index}` })])),
      );
    }
    await Promise.all(tickets.map((ticket) => ticket.ack()));
    await appender.close();
    expect(emulator.faults.injectedByKind.break).toBe(2);
    expect(emulator.calls.ReadSession).toBeGreaterThanOrEqual(2);
    expect(emulator.calls.AppendSession).toBeGreaterThanOrEqual(2);
  });
});

describe("official SDK: connection resets and reconnect advice", () => {
  it("retries a unary call whose connection was reset", async () => {
    await basinWithStream("reset-basin");
    emulator.faults.add("Append:reset:times=1");
    const events = stream("reset-basin", "events");
    const ack = await events.append(AppendInput.create([AppendRecord.string({ body: "x" })]));
    expect(ack.end.seqNum).toBe(1);
    expect(emulator.calls.Append).toBe(2);
    expect(emulator.faults.injectedByKind.reset).toBe(1);
  });

  it("moves an append session to a new one when the server advises it", async () => {
    await basinWithStream("advice-basin");
    emulator.faults.add("AppendSession:reconnect-after=2:times=1");
    const events = stream("advice-basin", "events");
    const session = await events.appendSession();
    const acks = [];
    // Batch by batch, so that work remains to be moved once the advice (on the 3rd ack) arrives.
    for (let index = 0; index < 6; index++) {
      const ticket = await session.submit(
        AppendInput.create([AppendRecord.string({ body: `${index}` })]),
      );
      acks.push(await ticket.ack());
    }
    await session.close();
    expect(acks.map((ack) => ack.start.seqNum)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(emulator.faults.injectedByKind.reconnect).toBe(1);
    // The SDK finished the advised session and carried on over a second one.
    expect(emulator.calls.AppendSession).toBe(2);
    expect((await events.checkTail()).tail.seqNum).toBe(6);
  });

  it("a reset over gRPC is an UNAVAILABLE call", async () => {
    await basinWithStream("grpc-reset-basin");
    emulator.faults.add("CheckTail:reset:times=1");
    const grpc = new StreamServiceClient(emulator.endpoint, credentials.createInsecure());
    try {
      const error = await rejection(
        call(grpc.checkTail, grpc, { stream: "events" }, meta("grpc-reset-basin")),
      );
      expect((error as { code: number }).code).toBe(14);
      expect(emulator.faults.injectedByKind.reset).toBe(1);
    } finally {
      grpc.close();
    }
  });
});

describe("one model, two APIs", () => {
  it("a record appended over gRPC is read by the SDK over REST, and the other way round", async () => {
    await basinWithStream("cross-basin");
    const grpc = new StreamServiceClient(emulator.endpoint, credentials.createInsecure());
    try {
      await call(
        grpc.append,
        grpc,
        { input: { stream: "events", records: records("from grpc") } },
        meta("cross-basin"),
      );
      const events = stream("cross-basin", "events");
      const read = await events.read({ start: { from: { seqNum: 0 } } });
      expect(read.records.map((record) => record.body)).toEqual(["from grpc"]);

      await events.append(AppendInput.create([AppendRecord.string({ body: "from rest" })]));
      const response = await call(
        grpc.read,
        grpc,
        { stream: "events", start: { $case: "seqNum", seqNum: 0n }, clamp: false },
        meta("cross-basin"),
      );
      const output = response.output?.output;
      expect(output?.$case).toBe("batch");
      const bodies =
        output?.$case === "batch"
          ? output.batch.records.map((record) => Buffer.from(record.body).toString())
          : [];
      expect(bodies).toEqual(["from grpc", "from rest"]);
    } finally {
      grpc.close();
    }
  });
});
