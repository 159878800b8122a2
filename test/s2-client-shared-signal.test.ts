import { getEventListeners } from "node:events";
import { AppendRecord } from "@retrykit/s2-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TRANSPORTS, useEmulator } from "./support/emulator-fixture.js";

// Many unary calls sharing one caller signal: one abort listener on it (the engine's and the
// transport's links), never Node's MaxListenersExceededWarning, nothing left once they settle.
describe.each(TRANSPORTS)("over %s: concurrent unary calls on one signal", (transport) => {
  const fixture = useEmulator({ seed: 23, transport });
  const warnings: Error[] = [];
  const onWarning = (warning: Error): void => {
    warnings.push(warning);
  };
  beforeEach(() => {
    warnings.length = 0;
    process.on("warning", onWarning);
  });
  afterEach(() => {
    process.off("warning", onWarning);
  });

  it("25 concurrent checkTail calls with one signal print no warning and leave no listener", async () => {
    const s2 = fixture.connect();
    const stream = s2.basin(await fixture.freshBasin(s2, "shared")).stream("s");
    await stream.append({ records: [AppendRecord.make("x")] });
    const controller = new AbortController();
    const tails = await Promise.all(
      Array.from({ length: 25 }, () => stream.checkTail({ signal: controller.signal })),
    );
    expect(tails.every((tail) => tail.nextSeqNum === 1n)).toBe(true);
    // process.emitWarning reports on a later tick.
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });
});
