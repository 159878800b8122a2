import { describe, expect, it } from "vitest";
import { meteredBytes } from "../src/metered-bytes.js";
import { AppendRecord, bodyText, headersText, isCommandRecord } from "../src/records.js";

describe("records", () => {
  it("builds records from strings and bytes", () => {
    const record = AppendRecord.make("héllo", {
      headers: [["k", new Uint8Array([1, 2])]],
      timestamp: 5n,
    });
    expect(record.body).toEqual(new TextEncoder().encode("héllo"));
    expect(bodyText(record)).toBe("héllo");
    expect(record.headers?.[0]?.[1]).toEqual(new Uint8Array([1, 2]));
    expect(headersText(AppendRecord.make("", { headers: [["a", "b"]] }))).toEqual([["a", "b"]]);
    expect(record.timestamp).toBe(5n);
    expect(isCommandRecord(record)).toBe(false);
  });

  it("rejects a bad fencing token or trim point when the command record is made", () => {
    expect(() => AppendRecord.fence("x".repeat(37))).toThrow(RangeError);
    expect(() => AppendRecord.fence("x".repeat(37))).toThrow(/token/);
    expect(() => AppendRecord.fence("é".repeat(19))).toThrow(RangeError); // 38 UTF-8 bytes
    expect(AppendRecord.fence("x".repeat(36)).body.length).toBe(36);
    expect(() => AppendRecord.fence(7 as unknown as string)).toThrow(TypeError);
    expect(() => AppendRecord.trim(-1n)).toThrow(/seqNum/);
    expect(() => AppendRecord.trim(2n ** 64n)).toThrow(RangeError);
    expect(() => AppendRecord.trim(1.5)).toThrow(/seqNum/);
    expect(() => AppendRecord.trim("5" as unknown as number)).toThrow(TypeError);
  });

  it.each([
    [123, /body must be a string or bytes \(Uint8Array\), got 123/],
    [null, /body must be a string or bytes .*got null/],
    [[1, 2], /body must be a string or bytes .*got Array\(2\)/],
    [new ArrayBuffer(4), /body must be a string or bytes/],
  ])("refuses a body that is neither a string nor bytes (%o)", (body, message) => {
    expect(() => AppendRecord.make(body as never)).toThrow(TypeError);
    expect(() => AppendRecord.make(body as never)).toThrow(message);
  });

  it("refuses a header name or value that is neither a string nor bytes", () => {
    expect(() => AppendRecord.make("x", { headers: [["k", 5 as never]] })).toThrow(
      /headers\[0\]\[1\] must be a string or bytes .*got 5/,
    );
  });

  it("encodes fence and trim command records", () => {
    const fence = AppendRecord.fence("owner-1");
    expect(isCommandRecord(fence)).toBe(true);
    expect(headersText(fence)).toEqual([["", "fence"]]);
    expect(bodyText(fence)).toBe("owner-1");
    const trim = AppendRecord.trim(258);
    expect(headersText(trim)).toEqual([["", "trim"]]);
    expect([...trim.body]).toEqual([0, 0, 0, 0, 0, 0, 1, 2]);
  });

  it("meters records as S2 does", () => {
    expect(meteredBytes(AppendRecord.make(""))).toBe(8);
    expect(meteredBytes(AppendRecord.make("abc", { headers: [["na", "val"]] }))).toBe(
      8 + 3 + 2 + 2 + 3,
    );
    // A command record meters as 8 + 2 + len(op name) + len(payload).
    expect(meteredBytes(AppendRecord.fence("tok"))).toBe(8 + 2 + 5 + 3);
    expect(meteredBytes([AppendRecord.make("a"), AppendRecord.make("bc")])).toBe(9 + 10);
    expect(meteredBytes([])).toBe(0);
  });
});
