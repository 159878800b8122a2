import { afterEach, describe, expect, it, vi } from "vitest";
import { appendInputs } from "../src/batcher.js";
import { type AppendInput, AppendRecord, bodyText } from "../src/records.js";

const rec = (s: string) => AppendRecord.make(s);
async function collect(it: AsyncIterable<AppendInput>): Promise<AppendInput[]> {
  const out: AppendInput[] = [];
  for await (const input of it) out.push(input);
  return out;
}

describe("appendInputs", () => {
  afterEach(() => vi.useRealTimers());

  it("cuts batches by record count and advances matchSeqNum", async () => {
    const records = Array.from({ length: 7 }, (_, i) => rec(String(i)));
    const inputs = await collect(
      appendInputs(records, { maxRecords: 3, matchSeqNum: 10, fencingToken: "f" }),
    );
    expect(inputs.map((i) => i.records.length)).toEqual([3, 3, 1]);
    expect(inputs.map((i) => i.matchSeqNum)).toEqual([10n, 13n, 16n]);
    expect(inputs.every((i) => i.fencingToken === "f")).toBe(true);
    expect(inputs.flatMap((i) => i.records.map(bodyText))).toEqual([
      "0",
      "1",
      "2",
      "3",
      "4",
      "5",
      "6",
    ]);
  });

  it("cuts batches by metered bytes", async () => {
    const records = Array.from({ length: 5 }, () => rec("xx")); // 10 bytes each
    const inputs = await collect(appendInputs(records, { maxBytes: 25 }));
    expect(inputs.map((i) => i.records.length)).toEqual([2, 2, 1]);
    expect(inputs[0]?.matchSeqNum).toBeUndefined();
  });

  it("rejects a record larger than maxBytes", async () => {
    await expect(collect(appendInputs([rec("x".repeat(30))], { maxBytes: 20 }))).rejects.toThrow(
      /does not fit/,
    );
  });

  it("validates options before reading any record", () => {
    expect(() => appendInputs([], { maxRecords: 0 })).toThrow(
      /maxRecords must be an integer from 1 to 1000, got 0/,
    );
    expect(() => appendInputs([], { maxBytes: 2 * 1024 * 1024 })).toThrow(/maxBytes/);
    expect(() => appendInputs([], { lingerMs: -1 })).toThrow(/lingerMs/);
    expect(() => appendInputs([], { fencingToken: "x".repeat(40) })).toThrow(/fencingToken/);
    expect(() => appendInputs(42 as never)).toThrow(/records must be an iterable/);
  });

  it("flushes a partial batch when the linger time passes", async () => {
    vi.useFakeTimers();
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    async function* slow() {
      yield rec("a");
      yield rec("b");
      await gate;
      yield rec("c");
    }
    const batches = appendInputs(slow(), { lingerMs: 50, matchSeqNum: 0 });
    const first = batches.next();
    let settled = false;
    void first.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(49);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect((await first).value?.records.map(bodyText)).toEqual(["a", "b"]);
    const second = batches.next();
    release();
    await vi.advanceTimersByTimeAsync(50);
    const value = (await second).value;
    expect(value?.records.map(bodyText)).toEqual(["c"]);
    expect(value?.matchSeqNum).toBe(2n);
    expect((await batches.next()).done).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("waits for full batches when lingerMs is null", async () => {
    const inputs = await collect(
      appendInputs(
        (async function* () {
          yield rec("a");
          yield rec("b");
        })(),
        { lingerMs: null },
      ),
    );
    expect(inputs.map((i) => i.records.length)).toEqual([2]);
  });

  it("closes the source when the consumer stops", async () => {
    let closed = false;
    async function* source() {
      try {
        for (let i = 0; ; i++) yield rec(String(i));
      } finally {
        closed = true;
      }
    }
    for await (const _ of appendInputs(source(), { maxRecords: 2 })) break;
    await new Promise((r) => setImmediate(r));
    expect(closed).toBe(true);
  });
});
