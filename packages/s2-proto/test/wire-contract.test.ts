import { BinaryReader } from "@bufbuild/protobuf/wire";
import {
  AccountServiceService,
  AppendInput,
  AppendRecord,
  ReadRequest,
  ReadSessionRequest,
  ReadSessionResponse,
  StreamConfig,
  StreamServiceService,
} from "@retrykit/s2-proto";
import { describe, expect, it } from "vitest";

/** The field numbers present in an encoded message, in order. */
function fieldNumbers(bytes: Uint8Array): number[] {
  const reader = new BinaryReader(bytes);
  const fields: number[] = [];
  while (reader.pos < reader.len) {
    const [fieldNo, wireType] = reader.tag();
    fields.push(fieldNo);
    reader.skip(wireType);
  }
  return fields;
}

describe("field numbers match the wire contract", () => {
  it("ReadRequest: start oneof 2/4/5, limit 3, until 6, clamp 7", () => {
    const at = (start: ReadRequest["start"]) =>
      fieldNumbers(ReadRequest.encode({ stream: "s", start, clamp: false }).finish());
    expect(at({ $case: "seqNum", seqNum: 1n })).toEqual([1, 2]);
    expect(at({ $case: "timestamp", timestamp: 1n })).toEqual([1, 4]);
    expect(at({ $case: "tailOffset", tailOffset: 1n })).toEqual([1, 5]);
    const full = ReadRequest.encode({
      stream: "s",
      limit: { count: 1n },
      until: 9n,
      clamp: true,
    }).finish();
    expect(fieldNumbers(full)).toEqual([1, 3, 6, 7]);
  });

  it("ReadSessionRequest differs: start oneof 2/5/6, heartbeats 4, until 7, clamp 8", () => {
    const at = (start: ReadSessionRequest["start"]) =>
      fieldNumbers(
        ReadSessionRequest.encode({ stream: "s", start, heartbeats: false, clamp: false }).finish(),
      );
    expect(at({ $case: "seqNum", seqNum: 1n })).toEqual([1, 2]);
    expect(at({ $case: "timestamp", timestamp: 1n })).toEqual([1, 5]);
    expect(at({ $case: "tailOffset", tailOffset: 1n })).toEqual([1, 6]);
    const full = ReadSessionRequest.encode({
      stream: "s",
      limit: { bytes: 1n },
      heartbeats: true,
      until: 9n,
      clamp: true,
    }).finish();
    expect(fieldNumbers(full)).toEqual([1, 3, 4, 7, 8]);
  });

  it("AppendRecord: headers 1, body 2, timestamp 3; StreamConfig: age 2, infinite 7", () => {
    const record = AppendRecord.encode({
      timestamp: 5n,
      headers: [{ name: Buffer.from([1]), value: Buffer.from([2]) }],
      body: Buffer.from([3]),
    }).finish();
    expect(fieldNumbers(record).sort()).toEqual([1, 2, 3]);
    const aged = StreamConfig.encode({
      storageClass: 0,
      retentionPolicy: { $case: "age", age: 60n },
    }).finish();
    expect(fieldNumbers(aged)).toEqual([2]);
    const infinite = StreamConfig.encode({
      storageClass: 0,
      retentionPolicy: { $case: "infinite", infinite: {} },
    }).finish();
    expect(fieldNumbers(infinite)).toEqual([7]);
  });
});

describe("presence survives the wire", () => {
  it("a start at sequence number 0 is sent and read back, unlike no start at all", () => {
    const zero = ReadRequest.encode({
      stream: "s",
      start: { $case: "seqNum", seqNum: 0n },
      clamp: false,
    }).finish();
    expect(fieldNumbers(zero)).toEqual([1, 2]);
    expect(ReadRequest.decode(zero).start).toEqual({ $case: "seqNum", seqNum: 0n });
    const none = ReadRequest.encode({ stream: "s", clamp: false }).finish();
    expect(ReadRequest.decode(none).start).toBeUndefined();
  });

  it("matchSeqNum 0 and an empty fencing token are present; absent ones are not", () => {
    const set = AppendInput.encode({
      stream: "s",
      records: [],
      matchSeqNum: 0n,
      fencingToken: "",
    }).finish();
    expect(fieldNumbers(set)).toEqual([1, 3, 4]);
    expect(AppendInput.decode(set)).toMatchObject({ matchSeqNum: 0n, fencingToken: "" });
    const unset = AppendInput.decode(AppendInput.encode({ stream: "s", records: [] }).finish());
    expect(unset.matchSeqNum).toBeUndefined();
    expect(unset.fencingToken).toBeUndefined();
  });

  it("a heartbeat is a ReadSessionResponse without output: zero bytes", () => {
    const heartbeat = ReadSessionResponse.encode({}).finish();
    expect(heartbeat.length).toBe(0);
    expect(ReadSessionResponse.decode(heartbeat).output).toBeUndefined();
  });

  it("uint64 values keep all 64 bits as bigint", () => {
    const max = 2n ** 64n - 1n;
    const bytes = ReadRequest.encode({
      stream: "s",
      start: { $case: "seqNum", seqNum: max },
      clamp: false,
    }).finish();
    expect(ReadRequest.decode(bytes).start).toEqual({ $case: "seqNum", seqNum: max });
  });
});

describe("services", () => {
  it("use the fully qualified s2.v1alpha paths and the right streaming shapes", () => {
    expect(AccountServiceService.listBasins.path).toBe("/s2.v1alpha.AccountService/ListBasins");
    expect(StreamServiceService.appendSession).toMatchObject({
      path: "/s2.v1alpha.StreamService/AppendSession",
      requestStream: true,
      responseStream: true,
    });
    expect(StreamServiceService.readSession).toMatchObject({
      path: "/s2.v1alpha.StreamService/ReadSession",
      requestStream: false,
      responseStream: true,
    });
    expect(StreamServiceService.append).toMatchObject({
      requestStream: false,
      responseStream: false,
    });
  });
});
