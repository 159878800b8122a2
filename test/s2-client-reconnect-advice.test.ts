import { AppendRecord, appendInputs, bodyText, Tail } from "@retrykit/s2-client";
import { describe, expect, it } from "vitest";
import { useEmulator } from "./support/emulator-fixture.js";

// The s2s "reconnect advised" flag exists only over REST: the server is draining, so the client
// moves its work to a new session without losing or repeating anything.
const fixture = useEmulator({ seed: 23, transport: "rest" });

describe("reconnect advice over s2s", () => {
  it("an append session moves to a new session and lands every batch once, in order", async () => {
    const s2 = fixture.connect({ appendRetryPolicy: "noSideEffects", maxRetries: 10 });
    const stream = s2.basin(await fixture.freshBasin(s2, "advised")).stream("s");
    fixture.emulator.faults.add({
      rpc: "AppendSession",
      kind: "reconnect",
      afterMessages: 5,
      times: 3,
    });
    // A producer slower than the acknowledgements, so that inputs are still to come when the
    // advice arrives.
    const records = (async function* () {
      for (let i = 0; i < 2_000; i++) {
        if (i % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 2));
        yield AppendRecord.make(`r${i}`);
      }
    })();
    let last = 0n;
    for await (const ack of stream.appendSession(
      appendInputs(records, { maxRecords: 50, matchSeqNum: 0, lingerMs: null }),
    )) {
      expect(ack.startSeqNum).toBe(last);
      last = ack.endSeqNum;
    }
    expect(last).toBe(2_000n);
    expect(fixture.emulator.faults.injectedByKind.reconnect).toBeGreaterThan(0);
    expect(fixture.emulator.calls.AppendSession).toBeGreaterThan(1);
    expect((await stream.checkTail()).nextSeqNum).toBe(2_000n);

    fixture.emulator.resetCalls();
    fixture.emulator.faults.add({
      rpc: "ReadSession",
      kind: "reconnect",
      afterMessages: 0,
      times: 1,
    });
    let expected = 0;
    for await (const batch of stream.readSession({ seqNum: 0 }, { limit: { count: 2_000 } })) {
      if (batch instanceof Tail) break;
      for (const record of batch) expect(bodyText(record)).toBe(`r${expected++}`);
    }
    expect(expected).toBe(2_000);
    expect(fixture.emulator.calls.ReadSession).toBeGreaterThan(1);
  });
});
