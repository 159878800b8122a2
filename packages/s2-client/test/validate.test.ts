import { describe, expect, it } from "vitest";
import { AppendRecord } from "../src/records.js";
import {
  toU64,
  validateAppendInput,
  validateBasinName,
  validateFencingToken,
  validateListLimit,
  validateReadLimit,
  validateReadStart,
  validateStreamName,
} from "../src/validate.js";

describe("validation", () => {
  it("accepts and rejects basin names as S2 does", () => {
    for (const good of ["abcdefgh", "my-basin-1", "a".repeat(48), "0123456789"]) {
      expect(() => validateBasinName(good)).not.toThrow();
    }
    for (const bad of [
      "short",
      "a".repeat(49),
      "-abcdefgh",
      "abcdefgh-",
      "ABCDEFGH",
      "abc_defgh",
    ]) {
      expect(() => validateBasinName(bad)).toThrow(RangeError);
    }
    expect(() => validateBasinName(42, "basin")).toThrow(/basin must be a string, got 42/);
    expect(() => validateBasinName("nope")).toThrow(/name must be a basin name.*"nope"/);
  });

  it("checks stream names by UTF-8 bytes", () => {
    expect(() => validateStreamName("a/b/c")).not.toThrow();
    expect(() => validateStreamName("é".repeat(256))).not.toThrow();
    expect(() => validateStreamName("é".repeat(257))).toThrow(RangeError);
    expect(() => validateStreamName("")).toThrow(RangeError);
    expect(() => validateStreamName("..")).toThrow(RangeError);
  });

  it("checks append inputs: count, size, header names, tokens", () => {
    const one = AppendRecord.make("x");
    expect(validateAppendInput({ records: [one] })).toBe(9);
    expect(() => validateAppendInput({ records: [] })).toThrow(
      /input.records must hold 1 to 1000 records, got 0/,
    );
    expect(() => validateAppendInput({ records: Array(1001).fill(one) })).toThrow(/got 1001/);
    expect(validateAppendInput({ records: Array(1000).fill(one) })).toBe(9000);
    const big = AppendRecord.make(new Uint8Array(1024 * 1024 - 8));
    expect(validateAppendInput({ records: [big] })).toBe(1024 * 1024);
    expect(() => validateAppendInput({ records: [big, one] })).toThrow(
      /1048576 metered bytes in all, got 1048585/,
    );
    expect(() =>
      validateAppendInput({ records: [AppendRecord.make(new Uint8Array(1024 * 1024))] }),
    ).toThrow(/records\[0\] must be at most 1048576 metered bytes/);
    expect(() =>
      validateAppendInput({
        records: [
          AppendRecord.make("x", {
            headers: [
              ["", "a"],
              ["b", "c"],
            ],
          }),
        ],
      }),
    ).toThrow(/empty name/);
    // A sole empty-named header makes a command record, which must be a valid fence or trim.
    const command = (value: string, body: string | Uint8Array) =>
      AppendRecord.make(body, { headers: [["", value]] });
    expect(() => validateAppendInput({ records: [command("drop", "")] })).toThrow(
      /records\[0\].*unknown command.*"drop"/,
    );
    expect(() => validateAppendInput({ records: [command("trim", "1234")] })).toThrow(
      /records\[0\]\.body of a trim command must be 8 bytes/,
    );
    expect(() => validateAppendInput({ records: [command("fence", "x".repeat(37))] })).toThrow(
      /records\[0\]\.body must be at most 36/,
    );
    expect(() =>
      validateAppendInput({ records: [command("fence", new Uint8Array([0xff]))] }),
    ).toThrow(/fence command must be UTF-8/);
    expect(
      validateAppendInput({
        records: [command("fence", "x".repeat(36)), command("trim", new Uint8Array(8))],
      }),
    ).toBeGreaterThan(0);
    expect(() => validateAppendInput({ records: [{ body: "text" }] })).toThrow(
      /body must be a Uint8Array/,
    );
    expect(() => validateAppendInput({ records: [one], fencingToken: "x".repeat(37) })).toThrow(
      /fencingToken/,
    );
    expect(() => validateAppendInput({ records: [one], matchSeqNum: -1 })).toThrow(/matchSeqNum/);
    expect(() => validateFencingToken("é".repeat(18))).not.toThrow();
  });

  it("converts u64 values", () => {
    expect(toU64(5, "x")).toBe(5n);
    expect(toU64(2n ** 64n - 1n, "x")).toBe(2n ** 64n - 1n);
    expect(() => toU64(2n ** 64n, "x")).toThrow(RangeError);
    expect(() => toU64(1.5, "x")).toThrow(TypeError);
    expect(() => toU64(2 ** 53, "x")).toThrow(TypeError);
  });

  it("checks read starts and limits", () => {
    expect(validateReadStart({ seqNum: 3 })).toEqual({ kind: "seqNum", value: 3n });
    expect(validateReadStart({ tailOffset: 2n })).toEqual({ kind: "tailOffset", value: 2n });
    expect(() => validateReadStart({ seqNum: 1, timestamp: 2 })).toThrow(TypeError);
    expect(() => validateReadStart({ offset: 1 })).toThrow(/start must be one of/);
    expect(validateReadLimit({ count: 1000, bytes: 1024 * 1024 }, true)).toEqual({
      count: 1000n,
      bytes: 1048576n,
    });
    expect(() => validateReadLimit({ count: 1001 }, true)).toThrow(
      /limit.count must be at most 1000/,
    );
    expect(validateReadLimit({ count: 5000 }, false)).toEqual({ count: 5000n });
    expect(validateReadLimit(undefined, true)).toBeUndefined();
  });

  it("checks list limits", () => {
    expect(() => validateListLimit(1000)).not.toThrow();
    expect(() => validateListLimit(1001)).toThrow(
      /limit must be an integer from 0 to 1000, got 1001/,
    );
  });
});
