import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, type Harness, harness, meta, records } from "./helpers.js";

describe("smoke", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(() => h.close());

  it("creates a basin and stream, appends and reads", async () => {
    const { account, basins, streams } = h;
    const created = await call(
      account.createBasin,
      account,
      { basin: "my-basin-1", scope: 0 },
      meta(),
    );
    expect(created.info?.name).toBe("my-basin-1");
    await call(basins.createStream, basins, { stream: "s" }, meta("my-basin-1"));
    const appended = await call(
      streams.append,
      streams,
      { input: { stream: "s", records: records("a", "b") } },
      meta("my-basin-1"),
    );
    expect(appended.output?.startSeqNum).toBe(0n);
    expect(appended.output?.endSeqNum).toBe(2n);
    const read = await call(
      streams.read,
      streams,
      { stream: "s", clamp: false, start: { $case: "seqNum", seqNum: 0n } },
      meta("my-basin-1"),
    );
    expect(read.output?.output?.$case).toBe("batch");
  });
});
