import { status } from "@grpc/grpc-js";
import {
  AppendRecord,
  type AppendRetryPolicy,
  S2Error,
  type S2RetryEvent,
} from "@retrykit/s2-client";
import { describe, expect, it } from "vitest";
import { TRANSPORTS, useEmulator } from "./support/emulator-fixture.js";

// Real time: the acknowledgement timeout is `requestTimeout` (kept short here), and the emulator's
// latency fault holds a session's start, so no acknowledgement comes for far longer than that.
const REQUEST_TIMEOUT = 250;
const HELD_FOR = 3_000;

describe.each(TRANSPORTS)("over %s", (transport) => {
  const fixture = useEmulator({ seed: 5, transport });

  async function setUp(appendRetryPolicy: AppendRetryPolicy = "all") {
    const retries: S2RetryEvent[] = [];
    const s2 = fixture.connect({
      requestTimeout: REQUEST_TIMEOUT,
      appendRetryPolicy,
      onRetry: (event) => retries.push(event),
    });
    const basin = await fixture.freshBasin(s2, "ack-timeout");
    fixture.emulator.resetCalls();
    return { stream: s2.basin(basin).stream("s"), retries };
  }

  const inputs = (batches: number) =>
    Array.from({ length: batches }, (_, b) => ({
      records: Array.from({ length: 10 }, (_, i) => AppendRecord.make(`r${b * 10 + i}`)),
    }));

  describe("append session acknowledgement timeout", () => {
    it("gives up on a session whose acknowledgements stop and resends on a new one", async () => {
      const { stream, retries } = await setUp();
      fixture.emulator.faults.add({
        rpc: "AppendSession",
        kind: "latency",
        ms: HELD_FOR,
        times: 1,
      });
      const started = performance.now();
      const acks = [];
      for await (const ack of stream.appendSession(inputs(5))) acks.push(ack);
      const elapsed = performance.now() - started;
      expect(acks.map((a) => Number(a.startSeqNum))).toEqual([0, 10, 20, 30, 40]);
      expect(fixture.emulator.calls.AppendSession).toBe(2);
      expect(retries.map((e) => [e.rpc, e.attempt, e.error.code])).toEqual([
        ["AppendSession", 1, status.DEADLINE_EXCEEDED],
      ]);
      expect(retries[0]?.error.message).toMatch(/no acknowledgement within 250 ms/);
      // Waited for the timeout, not for the held session.
      expect(elapsed).toBeGreaterThanOrEqual(REQUEST_TIMEOUT - 20);
      expect(elapsed).toBeLessThan(HELD_FOR - 500);
      expect((await stream.checkTail()).nextSeqNum).toBe(50n);
    });

    it("fails with DEADLINE_EXCEEDED under noSideEffects, since batches were in flight", async () => {
      const { stream, retries } = await setUp("noSideEffects");
      fixture.emulator.faults.add({
        rpc: "AppendSession",
        kind: "latency",
        ms: HELD_FOR,
        times: 1,
      });
      const consume = async () => {
        for await (const _ of stream.appendSession(inputs(2))) {
          // nothing: the session fails before any acknowledgement
        }
      };
      await expect(consume()).rejects.toSatisfy(
        (e: unknown) => S2Error.is(e) && e.code === status.DEADLINE_EXCEEDED && e.retryable,
      );
      expect(fixture.emulator.calls.AppendSession).toBe(1);
      expect(retries).toEqual([]);
    });

    it("does not count the time the caller takes between outputs", async () => {
      const { stream, retries } = await setUp();
      const [first, ...rest] = inputs(4);
      let releaseRest = () => {};
      const released = new Promise<void>((resolve) => (releaseRest = resolve));
      // The later batches are sent while the caller still holds the first output.
      async function* source() {
        yield first!;
        await released;
        yield* rest;
      }
      let acks = 0;
      for await (const _ of stream.appendSession(source())) {
        acks++;
        if (acks === 1) {
          releaseRest();
          // Longer than the timeout, with batches in flight: their acknowledgements wait unread.
          await new Promise((resolve) => setTimeout(resolve, REQUEST_TIMEOUT * 3));
        }
      }
      expect(acks).toBe(4);
      expect(fixture.emulator.calls.AppendSession).toBe(1);
      expect(retries).toEqual([]);
    });
  });
});
