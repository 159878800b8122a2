import { status } from "@grpc/grpc-js";
import {
  AppendRecord,
  type S2,
  S2Error,
  type S2GiveUpEvent,
  type S2Options,
  type S2RetryEvent,
  Tail,
} from "@retrykit/s2-client";
import { describe, expect, it } from "vitest";
import { TRANSPORTS, useEmulator } from "./support/emulator-fixture.js";

describe.each(TRANSPORTS)("over %s", (transport) => {
  const fixture = useEmulator({ seed: 11, transport });

  /** A client whose hooks record every event. */
  function observed(options: Partial<S2Options> = {}) {
    const retries: S2RetryEvent[] = [];
    const giveUps: S2GiveUpEvent[] = [];
    const s2 = fixture.connect({
      onRetry: (event) => retries.push(event),
      onGiveUp: (event) => giveUps.push(event),
      ...options,
    });
    return { s2, retries, giveUps };
  }

  const freshBasin = (s2: S2) => fixture.freshBasin(s2, "hooks");

  const records = (from: number, n: number) =>
    Array.from({ length: n }, (_, i) => AppendRecord.make(`r${from + i}`));

  describe("retry hooks against s2-emulator", () => {
    it("reports each retry of a unary call with its RPC, attempt, S2Error, pause and elapsed time", async () => {
      const { s2, retries, giveUps } = observed({ retryBackoff: 5 });
      const stream = s2.basin(await freshBasin(s2)).stream("s");
      await stream.append({ records: records(0, 1) });
      fixture.emulator.resetCalls();
      retries.length = 0;
      fixture.emulator.faults.add({
        rpc: "CheckTail",
        kind: "status",
        code: status.UNAVAILABLE,
        times: 2,
      });
      const tail = await stream.checkTail();
      expect(tail.nextSeqNum).toBe(1n);
      // Server-counted retries: every call after the first.
      expect(retries).toHaveLength(fixture.emulator.calls.CheckTail - 1);
      expect(retries.map((e) => [e.rpc, e.attempt, e.delay])).toEqual([
        ["CheckTail", 1, 5],
        ["CheckTail", 2, 5],
      ]);
      for (const event of retries) {
        expect(S2Error.is(event.error)).toBe(true);
        expect(event.error.codeName).toBe("UNAVAILABLE");
        expect(event.elapsed).toBeGreaterThanOrEqual(0);
      }
      expect(retries[1]!.elapsed).toBeGreaterThanOrEqual(retries[0]!.elapsed);
      expect(giveUps).toEqual([]);
    });

    it("reports the server's retry-after-ms as the pause", async () => {
      const { s2, retries } = observed({ retryBackoff: 5 });
      const stream = s2.basin(await freshBasin(s2)).stream("s");
      await stream.append({ records: records(0, 1) });
      fixture.emulator.faults.add({
        rpc: "CheckTail",
        kind: "status",
        code: status.RESOURCE_EXHAUSTED,
        times: 1,
        trailers: { "retry-after-ms": "30" },
      });
      await stream.checkTail();
      expect(retries).toHaveLength(1);
      expect(retries[0]!.delay).toBe(30);
      expect(retries[0]!.error.retryAfterMs).toBe(30);
    });

    it("reports giving up: retries used up, and a failure that is not retryable", async () => {
      const { s2, retries, giveUps } = observed({ maxRetries: 2 });
      const stream = s2.basin(await freshBasin(s2)).stream("s");
      fixture.emulator.faults.add({ rpc: "CheckTail", kind: "status", code: status.UNAVAILABLE });
      await expect(stream.checkTail()).rejects.toSatisfy(
        (e: unknown) => S2Error.is(e) && e.code === status.UNAVAILABLE,
      );
      expect(fixture.emulator.calls.CheckTail).toBe(3);
      expect(retries).toHaveLength(2);
      expect(giveUps.map((e) => [e.rpc, e.attempt, e.reason, e.error.codeName])).toEqual([
        ["CheckTail", 3, "max-tries", "UNAVAILABLE"],
      ]);
      fixture.emulator.faults.clear();
      giveUps.length = 0;
      await expect(s2.basin("no-such-basin").getStreamConfig("s")).rejects.toThrow();
      expect(giveUps.map((e) => [e.rpc, e.attempt, e.reason])).toEqual([
        ["GetStreamConfig", 1, "not-retryable"],
      ]);
    });

    it("reports failures of calls that are never retried (maxRetries 0, append retries off)", async () => {
      const { s2, retries, giveUps } = observed({ maxRetries: 0, enableAppendRetries: false });
      const stream = s2.basin(await freshBasin(s2)).stream("s");
      fixture.emulator.faults.add({
        rpc: "Append",
        kind: "status",
        code: status.UNAVAILABLE,
        times: 1,
      });
      fixture.emulator.faults.add({
        rpc: "CheckTail",
        kind: "status",
        code: status.UNAVAILABLE,
        times: 1,
      });
      await expect(stream.append({ records: records(0, 1) })).rejects.toThrow(S2Error);
      await expect(stream.checkTail()).rejects.toThrow(S2Error);
      expect(fixture.emulator.calls.Append + fixture.emulator.calls.CheckTail).toBe(2);
      expect(retries).toEqual([]);
      expect(giveUps.map((e) => [e.rpc, e.attempt, e.reason])).toEqual([
        ["Append", 1, "not-retryable"],
        ["CheckTail", 1, "max-tries"],
      ]);
    });

    it("reports retries of append sessions and read sessions, as many as the server saw", async () => {
      const { s2, retries, giveUps } = observed({ maxRetries: 20 });
      const stream = s2.basin(await freshBasin(s2)).stream("s");
      fixture.emulator.resetCalls();
      fixture.emulator.faults.add({
        rpc: "AppendSession",
        kind: "status",
        code: status.UNAVAILABLE,
        every: 2,
        times: 3,
      });
      fixture.emulator.faults.add({
        rpc: "AppendSession",
        kind: "break",
        afterMessages: 4,
        times: 2,
      });
      const inputs = Array.from({ length: 30 }, (_, i) => ({ records: records(i * 10, 10) }));
      let acks = 0;
      for await (const _ of stream.appendSession(inputs)) acks++;
      expect(acks).toBe(30);
      const appendRetries = retries.filter((e) => e.rpc === "AppendSession");
      expect(appendRetries.length).toBeGreaterThan(0);
      expect(appendRetries).toHaveLength(fixture.emulator.calls.AppendSession - 1);
      expect(appendRetries.every((e) => e.error.codeName === "UNAVAILABLE")).toBe(true);

      fixture.emulator.faults.clear();
      fixture.emulator.faults.add({
        rpc: "ReadSession",
        kind: "status",
        code: status.UNAVAILABLE,
        times: 2,
      });
      let read = 0;
      for await (const batch of stream.readSession({ seqNum: 0 }, { limit: { count: 300 } })) {
        if (batch instanceof Tail) break;
        read += batch.length;
      }
      expect(read).toBe(300);
      const readRetries = retries.filter((e) => e.rpc === "ReadSession");
      expect(readRetries.length).toBeGreaterThan(0);
      expect(readRetries).toHaveLength(fixture.emulator.calls.ReadSession - 1);
      expect(retries).toHaveLength(appendRetries.length + readRetries.length);
      expect(giveUps).toEqual([]);
    });

    it("never lets a throwing hook break a call", async () => {
      const thrown: string[] = [];
      const s2 = fixture.connect({
        maxRetries: 1,
        onRetry: () => {
          thrown.push("retry");
          throw new Error("hook failed");
        },
        onGiveUp: () => {
          thrown.push("giveUp");
          throw new Error("hook failed");
        },
      });
      const stream = s2.basin(await freshBasin(s2)).stream("s");
      await stream.append({ records: records(0, 1) });
      fixture.emulator.faults.add({
        rpc: "CheckTail",
        kind: "status",
        code: status.UNAVAILABLE,
        times: 1,
      });
      expect((await stream.checkTail()).nextSeqNum).toBe(1n);
      fixture.emulator.faults.add({
        rpc: "CheckTail",
        kind: "status",
        code: status.PERMISSION_DENIED,
        times: 1,
      });
      await expect(stream.checkTail()).rejects.toSatisfy(
        (e: unknown) => S2Error.is(e) && e.code === status.PERMISSION_DENIED,
      );
      expect(thrown).toEqual(["retry", "giveUp"]);
    });

    it("does not report aborts or bad input to onGiveUp", async () => {
      const { s2, giveUps } = observed();
      const stream = s2.basin(await freshBasin(s2)).stream("s");
      await expect(stream.append({ records: [] })).rejects.toThrow(RangeError);
      const controller = new AbortController();
      controller.abort(new Error("stop"));
      await expect(stream.checkTail({ signal: controller.signal })).rejects.toThrow("stop");
      expect(giveUps).toEqual([]);
    });
  });
});
