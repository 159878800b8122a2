import { type ServiceError, status } from "@grpc/grpc-js";
import {
  type AppendSessionResponse,
  type ReadSessionResponse,
  TimestampingMode,
} from "@retrykit/s2-proto";
import { afterEach, describe, expect, it } from "vitest";
import {
  call,
  codeOf,
  collectSession,
  failure,
  type Harness,
  harness,
  meta,
  records,
} from "./helpers.js";

let h: Harness;
afterEach(() => h?.close());

const B = "stream-basin";
async function setup(options: Parameters<typeof harness>[0] = {}, basinConfig = {}) {
  h = await harness(options);
  await call(
    h.account.createBasin,
    h.account,
    { basin: B, scope: 0, config: basinConfig as never },
    meta(),
  );
  return h;
}
function append(stream: string, bodies: string[], extra: Record<string, unknown> = {}) {
  return call(
    h.streams.append,
    h.streams,
    { input: { stream, records: records(...bodies), ...extra } },
    meta(B),
  );
}
function read(request: Record<string, unknown>) {
  return call(
    h.streams.read,
    h.streams,
    { stream: "s", clamp: false, ...request } as never,
    meta(B),
  );
}
const command = (name: string, body: Buffer) => ({
  headers: [{ name: Buffer.alloc(0), value: Buffer.from(name) }],
  body,
});

describe("Append and Read", () => {
  it("assigns dense sequence numbers and reads by seq num, timestamp and tail offset", async () => {
    await setup();
    await call(h.basins.createStream, h.basins, { stream: "s" }, meta(B));
    const first = await append("s", ["a", "b", "c"]);
    expect(first.output).toMatchObject({ startSeqNum: 0n, endSeqNum: 3n, nextSeqNum: 3n });
    const second = await append("s", ["d"]);
    expect(second.output).toMatchObject({ startSeqNum: 3n, endSeqNum: 4n });
    const bySeq = await read({ start: { $case: "seqNum", seqNum: 1n }, limit: { count: 2n } });
    const batch = bySeq.output?.output?.$case === "batch" ? bySeq.output.output.batch.records : [];
    expect(batch.map((r) => [r.seqNum, r.body.toString()])).toEqual([
      [1n, "b"],
      [2n, "c"],
    ]);
    const byTail = await read({ start: { $case: "tailOffset", tailOffset: 1n } });
    expect(byTail.output?.output).toMatchObject({ $case: "batch" });
    const ts = first.output!.startTimestamp;
    const byTime = await read({ start: { $case: "timestamp", timestamp: ts } });
    expect(byTime.output?.output?.$case).toBe("batch");
    // At the tail and beyond it: next_seq_num, unless clamped.
    expect((await read({ start: { $case: "seqNum", seqNum: 4n } })).output?.output).toEqual({
      $case: "nextSeqNum",
      nextSeqNum: 4n,
    });
    expect((await read({ start: { $case: "seqNum", seqNum: 99n } })).output?.output).toEqual({
      $case: "nextSeqNum",
      nextSeqNum: 4n,
    });
    expect(
      (await read({ start: { $case: "seqNum", seqNum: 99n }, clamp: true })).output?.output,
    ).toEqual({ $case: "nextSeqNum", nextSeqNum: 4n });
    const tail = await call(h.streams.checkTail, h.streams, { stream: "s" }, meta(B));
    expect(tail.nextSeqNum).toBe(4n);
    expect(tail.lastTimestamp).toBe(second.output!.endTimestamp);
  });

  it("applies byte limits and until", async () => {
    await setup({}, { createStreamOnAppend: true });
    await call(
      h.streams.append,
      h.streams,
      {
        input: {
          stream: "s",
          records: [1n, 2n, 3n].map((timestamp) => ({
            timestamp,
            headers: [],
            body: Buffer.from("xx"),
          })),
        },
      },
      meta(B),
    );
    const oneRecord = await read({ limit: { bytes: 10n } }); // each record meters 8 + 2 = 10 bytes
    expect(
      oneRecord.output?.output?.$case === "batch" && oneRecord.output.output.batch.records.length,
    ).toBe(1);
    const none = await read({ limit: { bytes: 5n } });
    expect(none.output?.output?.$case === "batch" && none.output.output.batch.records.length).toBe(
      0,
    );
    const until = await read({ until: 3n });
    expect(
      until.output?.output?.$case === "batch" &&
        until.output.output.batch.records.map((r) => r.timestamp),
    ).toEqual([1n, 2n]);
  });

  it("validates batches, names and headers", async () => {
    await setup({}, { createStreamOnAppend: true });
    expect(await codeOf(append("s", []))).toBe(status.INVALID_ARGUMENT);
    expect(
      await codeOf(
        append(
          "s",
          Array.from({ length: 1001 }, () => "x"),
        ),
      ),
    ).toBe(status.INVALID_ARGUMENT);
    expect(await codeOf(append("s", ["x".repeat(1024 * 1024)]))).toBe(status.INVALID_ARGUMENT);
    expect(await codeOf(append("", ["x"]))).toBe(status.INVALID_ARGUMENT);
    expect(await codeOf(append("..", ["x"]))).toBe(status.INVALID_ARGUMENT);
    const unknownCommand = command("nope", Buffer.alloc(0));
    expect(
      await codeOf(
        call(
          h.streams.append,
          h.streams,
          { input: { stream: "s", records: [unknownCommand] } },
          meta(B),
        ),
      ),
    ).toBe(status.INVALID_ARGUMENT);
    expect(
      await codeOf(
        call(
          h.streams.append,
          h.streams,
          { input: { stream: "s", records: [command("trim", Buffer.alloc(3))] } },
          meta(B),
        ),
      ),
    ).toBe(status.INVALID_ARGUMENT);
    expect(await codeOf(call(h.streams.checkTail, h.streams, { stream: "s" }, meta()))).toBe(
      status.INVALID_ARGUMENT,
    );
    expect(
      await codeOf(call(h.streams.checkTail, h.streams, { stream: "s" }, meta("no-such-basin"))),
    ).toBe(status.NOT_FOUND);
    expect(
      await codeOf(call(h.basins.getStreamConfig, h.basins, { stream: "missing" }, meta(B))),
    ).toBe(status.NOT_FOUND);
  });

  it("reports match_seq_num and fencing token mismatches with the expected value in trailers", async () => {
    await setup({}, { createStreamOnAppend: true });
    await append("s", ["a"], { matchSeqNum: 0n });
    const seqError: ServiceError = await failure(append("s", ["b"], { matchSeqNum: 5n }));
    expect(seqError.code).toBe(status.FAILED_PRECONDITION);
    expect(seqError.metadata.get("s2-expected-seq-num")).toEqual(["1"]);
    await call(
      h.streams.append,
      h.streams,
      { input: { stream: "s", records: [command("fence", Buffer.from("writer-1"))] } },
      meta(B),
    );
    const fenceError = await failure(append("s", ["c"], { fencingToken: "writer-0" }));
    expect(fenceError.code).toBe(status.FAILED_PRECONDITION);
    expect(fenceError.metadata.get("s2-expected-fencing-token")).toEqual(["writer-1"]);
    await append("s", ["c"], { fencingToken: "writer-1", matchSeqNum: 2n });
    await append("s", ["d"]); // fencing is cooperative
  });

  it("trims with a command record, never past the trim record", async () => {
    await setup({}, { createStreamOnAppend: true });
    await append("s", ["a", "b", "c"]);
    const trim = Buffer.alloc(8);
    trim.writeBigUInt64BE(100n);
    await call(
      h.streams.append,
      h.streams,
      { input: { stream: "s", records: [command("trim", trim)] } },
      meta(B),
    );
    // Capped at the trim record (seq 3) + 1: everything is trimmed, the tail stays.
    expect((await read({ start: { $case: "seqNum", seqNum: 0n } })).output?.output).toEqual({
      $case: "nextSeqNum",
      nextSeqNum: 4n,
    });
    await append("s", ["e"]);
    const after = await read({ start: { $case: "seqNum", seqNum: 0n } });
    expect(
      after.output?.output?.$case === "batch" &&
        after.output.output.batch.records.map((r) => r.seqNum),
    ).toEqual([4n]);
  });

  it("timestamps: client-prefer capped and monotonic, client-require, arrival, uncapped", async () => {
    let now = 1_000_000;
    await setup({ now: () => now }, { createStreamOnAppend: true });
    const ts = (timestamp?: bigint) => ({ timestamp, headers: [], body: Buffer.from("x") });
    const out = await call(
      h.streams.append,
      h.streams,
      { input: { stream: "p", records: [ts(500n), ts(400n), ts(5_000_000n), ts()] } },
      meta(B),
    );
    expect(out.output).toMatchObject({ startTimestamp: 500n, endTimestamp: 1_000_000n });
    const r = await call(h.streams.read, h.streams, { stream: "p", clamp: false }, meta(B));
    expect(
      r.output?.output?.$case === "batch" && r.output.output.batch.records.map((x) => x.timestamp),
    ).toEqual([500n, 500n, 1_000_000n, 1_000_000n]);
    await call(
      h.basins.createStream,
      h.basins,
      {
        stream: "req",
        config: {
          storageClass: 0,
          timestamping: { mode: TimestampingMode.TIMESTAMPING_MODE_CLIENT_REQUIRE },
        },
      },
      meta(B),
    );
    expect(
      await codeOf(
        call(h.streams.append, h.streams, { input: { stream: "req", records: [ts()] } }, meta(B)),
      ),
    ).toBe(status.INVALID_ARGUMENT);
    await call(
      h.basins.createStream,
      h.basins,
      {
        stream: "arr",
        config: {
          storageClass: 0,
          timestamping: { mode: TimestampingMode.TIMESTAMPING_MODE_ARRIVAL },
        },
      },
      meta(B),
    );
    now = 2_000_000;
    const arrival = await call(
      h.streams.append,
      h.streams,
      { input: { stream: "arr", records: [ts(7n)] } },
      meta(B),
    );
    expect(arrival.output?.startTimestamp).toBe(2_000_000n);
    await call(
      h.basins.createStream,
      h.basins,
      { stream: "unc", config: { storageClass: 0, timestamping: { mode: 0, uncapped: true } } },
      meta(B),
    );
    const uncapped = await call(
      h.streams.append,
      h.streams,
      { input: { stream: "unc", records: [ts(9_000_000n)] } },
      meta(B),
    );
    expect(uncapped.output?.startTimestamp).toBe(9_000_000n);
  });

  it("reconfigures streams with masks, expires by age and deletes empty streams", async () => {
    let now = 1_700_000_000_000;
    await setup({ now: () => now }, { createStreamOnAppend: true });
    await append("s", ["a"]);
    const config = await call(h.basins.getStreamConfig, h.basins, { stream: "s" }, meta(B));
    expect(config.config?.retentionPolicy).toEqual({ $case: "age", age: 604800n });
    const updated = await call(
      h.basins.reconfigureStream,
      h.basins,
      {
        stream: "s",
        config: {
          storageClass: 0,
          retentionPolicy: { $case: "age", age: 10n },
          deleteOnEmpty: { minAgeSecs: 60n },
        },
        mask: ["retention_policy", "delete_on_empty.min_age_secs"],
      },
      meta(B),
    );
    expect(updated.config?.retentionPolicy).toEqual({ $case: "age", age: 10n });
    expect(
      await codeOf(
        call(
          h.basins.reconfigureStream,
          h.basins,
          {
            stream: "s",
            config: { storageClass: 0, retentionPolicy: { $case: "age", age: 0n } },
            mask: ["retention_policy"],
          },
          meta(B),
        ),
      ),
    ).toBe(status.INVALID_ARGUMENT);
    now += 11_000;
    expect((await read({})).output?.output).toEqual({ $case: "nextSeqNum", nextSeqNum: 1n });
    now += 60_000;
    const listed = await call(
      h.basins.listStreams,
      h.basins,
      { prefix: "", startAfter: "" },
      meta(B),
    );
    expect(listed.streams).toEqual([]);
    const infinite = await call(
      h.basins.createStream,
      h.basins,
      {
        stream: "keep",
        config: { storageClass: 0, retentionPolicy: { $case: "infinite", infinite: {} } },
      },
      meta(B),
    );
    expect(infinite.info?.name).toBe("keep");
  });
});

describe("sessions", () => {
  it("answers append-session inputs in order and ends at the first failure", async () => {
    await setup({}, { createStreamOnAppend: true });
    const session = h.streams.appendSession(meta(B));
    const acks: AppendSessionResponse[] = [];
    const ended = new Promise<ServiceError | undefined>((resolve) => {
      session.on("data", (message: AppendSessionResponse) => acks.push(message));
      session.on("error", (error: ServiceError) => resolve(error));
      session.on("end", () => resolve(undefined));
    });
    session.write({ input: { stream: "s", records: records("a", "b") } });
    session.write({ input: { stream: "", records: records("c") } });
    session.write({ input: { stream: "", records: records("d"), matchSeqNum: 0n } });
    session.write({ input: { stream: "", records: records("e") } });
    session.end();
    const error = await ended;
    expect(acks.map((a) => [a.output?.startSeqNum, a.output?.endSeqNum])).toEqual([
      [0n, 2n],
      [2n, 3n],
    ]);
    expect(error?.code).toBe(status.FAILED_PRECONDITION);
    const tail = await call(h.streams.checkTail, h.streams, { stream: "s" }, meta(B));
    expect(tail.nextSeqNum).toBe(3n);
  });

  it("keeps sequence numbers dense with concurrent appenders", async () => {
    await setup({}, { createStreamOnAppend: true });
    const outputs = await Promise.all(
      Array.from({ length: 40 }, (_, i) => append("s", [`r${i}`, `r${i}'`])),
    );
    const starts = outputs.map((o) => Number(o.output!.startSeqNum)).sort((a, b) => a - b);
    expect(starts).toEqual(Array.from({ length: 40 }, (_, i) => i * 2));
    const all = await read({ limit: { count: 1000n } });
    expect(all.output?.output?.$case === "batch" && all.output.output.batch.records.length).toBe(
      80,
    );
  });

  it("limited read sessions end at the limit or the tail; unlimited ones follow live appends", async () => {
    await setup({ heartbeatInterval: { min: 20, max: 30 } }, { createStreamOnAppend: true });
    await append("s", ["a", "b", "c"]);
    const limited = await collectSession(
      h.streams,
      { stream: "s", heartbeats: false, clamp: false, limit: { count: 2n } },
      meta(B),
    );
    expect(
      limited.map(
        (m) => m.output?.output?.$case === "batch" && m.output.output.batch.records.length,
      ),
    ).toEqual([2]);
    const toTail = await collectSession(
      h.streams,
      { stream: "s", heartbeats: false, clamp: false, limit: { count: 10n } },
      meta(B),
    );
    expect(toTail).toHaveLength(1);
    const beyond = await collectSession(
      h.streams,
      { stream: "s", heartbeats: false, clamp: false, start: { $case: "seqNum", seqNum: 50n } },
      meta(B),
    );
    expect(beyond.map((m) => m.output?.output)).toEqual([{ $case: "nextSeqNum", nextSeqNum: 3n }]);

    const live = h.streams.readSession(
      { stream: "s", heartbeats: true, clamp: false, start: { $case: "seqNum", seqNum: 1n } },
      meta(B),
    );
    const seen: ReadSessionResponse[] = [];
    const got = (predicate: () => boolean) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (predicate()) {
            live.off("data", check);
            resolve();
          }
        };
        live.on("data", check);
      });
    live.on("data", (m: ReadSessionResponse) => seen.push(m));
    live.on("error", () => {});
    await got(() => seen.filter((m) => m.output === undefined).length >= 2); // live switch + a quiet interval
    await append("s", ["d"]);
    await got(() =>
      seen.some(
        (m) =>
          m.output?.output?.$case === "batch" &&
          m.output.output.batch.records[0]?.body.toString() === "d",
      ),
    );
    const bodies = seen.flatMap((m) =>
      m.output?.output?.$case === "batch"
        ? m.output.output.batch.records.map((r) => r.body.toString())
        : [],
    );
    expect(bodies).toEqual(["b", "c", "d"]);
    live.cancel();
  });

  it("close() ends open sessions with UNAVAILABLE", async () => {
    await setup({}, { createStreamOnAppend: true });
    await append("s", ["a"]);
    const live = h.streams.readSession({ stream: "s", heartbeats: false, clamp: false }, meta(B));
    const error = new Promise<ServiceError>((resolve) => live.on("error", resolve));
    await new Promise<void>((resolve) => live.once("data", () => resolve()));
    await h.emulator.close();
    expect((await error).code).toBe(status.UNAVAILABLE);
  });
});
