import { v1 } from "@retrykit/s2-proto";
import {
  AppendAck,
  AppendInput,
  decodeS2sFrameBody,
  encodeS2sMessage,
  encodeS2sTerminal,
  negotiateS2sCompression,
  ReadBatch,
  S2S_MAX_FRAME_LENGTH,
  S2sFrameDecoder,
  S2sFrameError,
  zstdAvailable,
} from "@retrykit/s2-proto/v1";
import { describe, expect, it } from "vitest";

const hex = (bytes: Uint8Array) =>
  Buffer.from(bytes).toString("hex").replace(/(..)/g, "$1 ").trim();
const pos = (seqNum: bigint, timestamp: bigint) => ({ seqNum, timestamp });

describe("s2s frames match the spec's worked bytes", () => {
  it("AppendInput{records:[{body:'hi'}], match_seq_num:5}", () => {
    const proto = AppendInput.encode({
      records: [{ headers: [], body: Buffer.from("hi") }],
      matchSeqNum: 5n,
    }).finish();
    expect(hex(proto)).toBe("0a 04 1a 02 68 69 10 05");
    expect(hex(encodeS2sMessage(proto))).toBe("00 00 09 00 0a 04 1a 02 68 69 10 05");
  });

  it("AppendAck start (5,1000) end/tail (6,1000)", () => {
    const proto = AppendAck.encode({
      start: pos(5n, 1000n),
      end: pos(6n, 1000n),
      tail: pos(6n, 1000n),
    }).finish();
    expect(hex(encodeS2sMessage(proto))).toBe(
      "00 00 16 00 0a 05 08 05 10 e8 07 12 05 08 06 10 e8 07 1a 05 08 06 10 e8 07",
    );
  });

  it("AppendAck at position (0,0) still writes the empty start message", () => {
    const proto = AppendAck.encode({
      start: pos(0n, 0n),
      end: pos(1n, 0n),
      tail: pos(1n, 0n),
    }).finish();
    expect(hex(proto).startsWith("0a 00")).toBe(true);
  });

  it("heartbeat and record batch", () => {
    const heartbeat = ReadBatch.encode({ records: [], tail: pos(6n, 1000n) }).finish();
    expect(hex(encodeS2sMessage(heartbeat))).toBe("00 00 08 00 12 05 08 06 10 e8 07");
    const batch = ReadBatch.encode({
      records: [
        {
          seqNum: 5n,
          timestamp: 1000n,
          headers: [{ name: Buffer.from("k"), value: Buffer.from("v") }],
          body: Buffer.from("hi"),
        },
      ],
    }).finish();
    expect(hex(encodeS2sMessage(batch))).toBe(
      "00 00 14 00 0a 11 08 05 10 e8 07 1a 06 0a 01 6b 12 01 76 22 02 68 69",
    );
  });

  it("terminal 412 {seq_num_mismatch:6}", () => {
    expect(hex(encodeS2sTerminal(412, { seq_num_mismatch: 6 }))).toBe(
      "00 00 19 80 01 9c 7b 22 73 65 71 5f 6e 75 6d 5f 6d 69 73 6d 61 74 63 68 22 3a 36 7d",
    );
  });

  it("AppendInput fencing_token is field 3; AppendRecord timestamp 1, headers 2", () => {
    const proto = AppendInput.encode({
      records: [
        {
          timestamp: 1n,
          headers: [{ name: Buffer.from("a"), value: Buffer.from("") }],
          body: Buffer.alloc(0),
        },
      ],
      fencingToken: "f",
    }).finish();
    expect(hex(proto)).toBe("0a 07 08 01 12 03 0a 01 61 1a 01 66");
  });

  it("the root entry point exposes the same codec under v1", () => {
    expect(v1.encodeS2sMessage).toBe(encodeS2sMessage);
    expect(v1.ReadBatch).toBe(ReadBatch);
  });
});

describe("S2sFrameDecoder", () => {
  it("reassembles frames split at every byte and joined in one chunk", () => {
    const a = encodeS2sMessage(Buffer.from("one"));
    const b = encodeS2sMessage(Buffer.from("two"), { reconnectAdvised: true });
    const c = encodeS2sTerminal(503, { code: "unavailable", message: "down" });
    const all = Buffer.concat([a, b, c]);
    const byteWise = new S2sFrameDecoder();
    const frames = [...all].flatMap((byte) => byteWise.push(Uint8Array.of(byte)));
    byteWise.finish();
    const whole = new S2sFrameDecoder().push(all);
    for (const got of [frames, whole]) {
      expect(got).toHaveLength(3);
      expect(got[0]).toMatchObject({ kind: "message", reconnectAdvised: false });
      expect(Buffer.from((got[0] as { payload: Uint8Array }).payload).toString()).toBe("one");
      expect(got[1]).toMatchObject({ kind: "message", reconnectAdvised: true });
      expect(got[2]).toEqual({
        kind: "terminal",
        status: 503,
        body: '{"code":"unavailable","message":"down"}',
        json: { code: "unavailable", message: "down" },
      });
    }
  });

  it("compresses large messages with gzip and leaves small ones alone", () => {
    const big = Buffer.alloc(4096, 7);
    const frame = encodeS2sMessage(big, { compression: "gzip" });
    expect(frame[3]).toBe(0x40);
    expect(frame.length).toBeLessThan(big.length);
    const [decoded] = new S2sFrameDecoder().push(frame);
    expect(decoded).toMatchObject({ kind: "message", compression: "gzip" });
    expect(Buffer.from((decoded as { payload: Uint8Array }).payload).equals(big)).toBe(true);
    expect(encodeS2sMessage(Buffer.alloc(1023), { compression: "gzip" })[3]).toBe(0);
  });

  it("negotiates zstd only when available, then gzip, else none", () => {
    expect(negotiateS2sCompression(undefined)).toBe("none");
    expect(negotiateS2sCompression("gzip, deflate")).toBe("gzip");
    expect(negotiateS2sCompression("zstd")).toBe(zstdAvailable() ? "zstd" : "none");
    expect(negotiateS2sCompression("ZSTD;q=1, gzip")).toBe(zstdAvailable() ? "zstd" : "gzip");
  });

  it.each([
    ["length 0", Uint8Array.of(0, 0, 0), /length 0/],
    ["length over 2 MiB", Uint8Array.of(0x20, 0, 1), /too large/],
    ["reserved bits", Uint8Array.of(0, 0, 1, 0x01), /reserved flag bits/],
    ["compression 11", Uint8Array.of(0, 0, 1, 0x60), /unknown compression/],
    ["terminal with 1 body byte", Uint8Array.of(0, 0, 2, 0x80, 1), /too short/],
    ["compressed terminal", Uint8Array.of(0, 0, 3, 0xc0, 1, 0x90), /must not be compressed/],
    ["gzip flag on garbage", Uint8Array.of(0, 0, 3, 0x40, 1, 2), /does not decompress/],
  ])("rejects %s", (_name, bytes, message) => {
    expect(() => new S2sFrameDecoder().push(bytes)).toThrow(S2sFrameError);
    expect(() => new S2sFrameDecoder().push(bytes)).toThrow(message);
  });

  it("rejects an oversized length as soon as the 3 length bytes arrive", () => {
    const decoder = new S2sFrameDecoder();
    expect(() => decoder.push(Uint8Array.of(0xff, 0xff, 0xff))).toThrow(/too large/);
  });

  it("accepts the largest frame and refuses to encode a larger one", () => {
    const max = Buffer.alloc(S2S_MAX_FRAME_LENGTH - 1);
    const [frame] = new S2sFrameDecoder().push(encodeS2sMessage(max));
    expect((frame as { payload: Uint8Array }).payload.length).toBe(max.length);
    expect(() => encodeS2sMessage(Buffer.alloc(S2S_MAX_FRAME_LENGTH))).toThrow(S2sFrameError);
  });

  it("finish() reports a partial frame", () => {
    const decoder = new S2sFrameDecoder();
    decoder.push(encodeS2sMessage(Buffer.from("abc")).subarray(0, 5));
    expect(decoder.bufferedBytes).toBe(5);
    expect(() => decoder.finish()).toThrow(/ended inside a frame/);
  });

  it("decodeS2sFrameBody keeps a terminal body that is not JSON", () => {
    expect(decodeS2sFrameBody(0x80, Uint8Array.of(1, 0xf4, 0x78))).toEqual({
      kind: "terminal",
      status: 500,
      body: "x",
      json: undefined,
    });
  });
});
