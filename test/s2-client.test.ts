import { status } from "@grpc/grpc-js";
import {
  AppendRecord,
  type AppendRecord as AppendRecordType,
  appendInputs,
  bodyText,
  type S2,
  S2Error,
  SeqNumMismatchError,
  Tail,
} from "@retrykit/s2-client";
import { describe, expect, it } from "vitest";
import { TRANSPORTS, useEmulator } from "./support/emulator-fixture.js";

describe.each(TRANSPORTS)("over %s", (transport) => {
  const fixture = useEmulator({ seed: 7, transport });

  const connect = fixture.connect;
  const freshBasin = (s2: S2) => fixture.freshBasin(s2, "basin");

  describe("s2-client against s2-emulator", () => {
    it("covers every account, basin and stream method", async () => {
      const s2 = connect();
      const name = await freshBasin(s2);
      expect((await s2.listBasins({ prefix: name })).items.map((b) => b.name)).toEqual([name]);
      const all = [];
      for await (const basin of s2.listAllBasins({ prefix: `basin-${process.pid}` }))
        all.push(basin.name);
      expect(all).toContain(name);
      const reconfigured = await s2.reconfigureBasin(name, {
        defaultStreamConfig: { storageClass: "standard" },
      });
      expect(reconfigured.defaultStreamConfig?.storageClass).toBe("standard");
      expect((await s2.getBasinConfig(name)).createStreamOnAppend).toBe(true);

      const basin = s2.basin(name);
      const info = await basin.createStream("orders", { retentionPolicy: "infinite" });
      expect(info.name).toBe("orders");
      expect((await basin.listStreams()).items.map((s) => s.name)).toEqual(["orders"]);
      expect((await basin.getStreamConfig("orders")).retentionPolicy).toBe("infinite");
      const streamConfig = await basin.reconfigureStream("orders", {
        retentionPolicy: { ageSecs: 3600 },
      });
      expect(streamConfig.retentionPolicy).toEqual({ ageSecs: 3600 });

      const stream = basin.stream("orders");
      expect((await stream.checkTail()).nextSeqNum).toBe(0n);
      const ack = await stream.append({
        records: [AppendRecord.make("a"), AppendRecord.make("b")],
        matchSeqNum: 0,
      });
      expect([ack.startSeqNum, ack.endSeqNum]).toEqual([0n, 2n]);
      await stream.append({ records: [AppendRecord.fence("owner")] });
      await expect(
        stream.append({ records: [AppendRecord.make("x")], matchSeqNum: 0 }),
      ).rejects.toSatisfy(
        (e: unknown) => e instanceof SeqNumMismatchError && e.expectedSeqNum === 3n,
      );
      const read = await stream.read({ seqNum: 0 }, { ignoreCommandRecords: true });
      expect(Array.isArray(read) && read.map(bodyText)).toEqual(["a", "b"]);
      expect(await stream.read({ seqNum: 10 })).toBeInstanceOf(Tail);
      const session = [];
      for await (const batch of stream.readSession({ seqNum: 0 }, { limit: { count: 3 } }))
        session.push(batch);
      expect(session.flat().length).toBe(3);

      const secret = await s2.issueAccessToken("reader-1", {
        streams: { prefix: "" },
        ops: ["read"],
      });
      expect(typeof secret).toBe("string");
      expect((await s2.listAccessTokens({ prefix: "reader" })).items.map((t) => t.id)).toEqual([
        "reader-1",
      ]);
      expect((await s2.revokeAccessToken("reader-1")).id).toBe("reader-1");

      await basin.deleteStream("orders");
      await s2.deleteBasin(name);
    });

    it("retries under injected UNAVAILABLE and honours the retry budget, counted on the server", async () => {
      const s2 = connect({ maxRetries: 2 });
      const basin = s2.basin(await freshBasin(s2));
      await basin.createStream("s");
      const stream = basin.stream("s");
      fixture.emulator.resetCalls();
      fixture.emulator.faults.add({
        rpc: "CheckTail",
        kind: "status",
        code: status.UNAVAILABLE,
        times: 2,
      });
      await stream.checkTail();
      expect(fixture.emulator.calls.CheckTail).toBe(3);
      fixture.emulator.faults.add({ rpc: "CheckTail", kind: "status", code: status.UNAVAILABLE });
      await expect(stream.checkTail()).rejects.toSatisfy(
        (e: unknown) => S2Error.is(e) && e.code === status.UNAVAILABLE,
      );
      expect(fixture.emulator.calls.CheckTail).toBe(6);
      fixture.emulator.faults.clear();
      fixture.emulator.faults.add({
        rpc: "CheckTail",
        kind: "status",
        code: status.NOT_FOUND,
        times: 1,
      });
      await expect(stream.checkTail()).rejects.toSatisfy(
        (e: unknown) => S2Error.is(e) && e.code === status.NOT_FOUND,
      );
      expect(fixture.emulator.calls.CheckTail).toBe(7);
    });

    it("creates idempotently: a retried create with the same token does not fail with ALREADY_EXISTS", async () => {
      const s2 = connect({ requestTimeout: 150 });
      fixture.emulator.faults.add({ rpc: "CreateBasin", kind: "latency", ms: 400, times: 1 });
      const name = `idem-${process.pid}-basin`;
      const info = await s2.createBasin(name);
      expect(info.name).toBe(name);
      expect(fixture.emulator.calls.CreateBasin).toBeGreaterThanOrEqual(2);
    });

    it("rejects bad input before any request", async () => {
      const s2 = connect();
      const stream = s2.basin("some-basin").stream("s");
      await expect(s2.createBasin("NO")).rejects.toThrow(RangeError);
      await expect(
        stream.append({ records: Array(1001).fill(AppendRecord.make("x")) }),
      ).rejects.toThrow(/1001/);
      await expect(
        stream.append({ records: [AppendRecord.make("x")], fencingToken: "f".repeat(37) }),
      ).rejects.toThrow(/fencingToken/);
      await expect(stream.read({ seqNum: 0 }, { limit: { count: 1001 } })).rejects.toThrow(
        /limit.count/,
      );
      expect(Object.values(fixture.emulator.calls).reduce((a, b) => a + b, 0)).toBe(0);
    });

    it("aborts a call in flight without retrying it", async () => {
      const s2 = connect();
      const basin = s2.basin(await freshBasin(s2));
      await basin.createStream("s");
      const stream = basin.stream("s");
      fixture.emulator.resetCalls();
      fixture.emulator.faults.add({ rpc: "CheckTail", kind: "latency", ms: 2000 });
      const controller = new AbortController();
      const started = Date.now();
      setTimeout(() => controller.abort(new Error("user gave up")), 100);
      await expect(stream.checkTail({ signal: controller.signal })).rejects.toThrow("user gave up");
      expect(Date.now() - started).toBeLessThan(1500);
      expect(fixture.emulator.calls.CheckTail).toBe(1);
    });

    it("lands 100,000 records exactly once and in order through faults, with matchSeqNum", async () => {
      const s2 = connect({ maxRetries: 20 });
      const stream = s2.basin(await freshBasin(s2)).stream("big");
      const total = Number(process.env.S2_BIG ?? 100_000);
      const records: AppendRecordType[] = Array.from({ length: total }, (_, i) =>
        AppendRecord.make(`record-${i}`),
      );
      fixture.emulator.faults.add({
        rpc: "AppendSession",
        kind: "status",
        code: status.UNAVAILABLE,
        every: 3,
      });
      fixture.emulator.faults.add({
        rpc: "AppendSession",
        kind: "break",
        afterMessages: 60,
        every: 2,
      });
      fixture.emulator.faults.add({ rpc: "AppendSession", kind: "drop-ack", every: 97 });
      let next = 0;
      let mismatches = 0;
      // The exactly-once recipe: one writer, matchSeqNum on every batch; a mismatch after an ambiguous
      // failure means the batch had landed, so continue from the tail the error reports.
      while (next < total) {
        try {
          for await (const ack of stream.appendSession(
            appendInputs(records.slice(next), {
              maxRecords: 100,
              matchSeqNum: next,
              lingerMs: null,
            }),
          )) {
            next = Number(ack.endSeqNum);
            if (process.env.S2_DEBUG) console.log("ack", next);
          }
        } catch (error) {
          if (!(error instanceof SeqNumMismatchError)) throw error;
          mismatches++;
          if (process.env.S2_DEBUG) console.log("mismatch", error.expectedSeqNum);
          next = Number(error.expectedSeqNum);
        }
      }
      expect(
        fixture.emulator.faults.injectedByKind.status +
          fixture.emulator.faults.injectedByKind.break,
      ).toBeGreaterThan(0);
      expect(fixture.emulator.faults.injectedByKind["drop-ack"]).toBeGreaterThan(0);
      // Every lost acknowledgement was of a batch that had landed: its resend is refused, never
      // written twice.
      expect(mismatches).toBeGreaterThan(0);
      expect(mismatches).toBeLessThanOrEqual(fixture.emulator.faults.injectedByKind["drop-ack"]);
      fixture.emulator.faults.clear();
      expect((await stream.checkTail()).nextSeqNum).toBe(BigInt(total));

      // And a read session broken every few messages delivers every record exactly once.
      fixture.emulator.faults.add({ rpc: "ReadSession", kind: "break", afterMessages: 7 });
      fixture.emulator.resetCalls();
      let expected = 0;
      for await (const batch of stream.readSession({ seqNum: 0 }, { limit: { count: total } })) {
        if (batch instanceof Tail) break;
        for (const record of batch) {
          expect(record.seqNum).toBe(BigInt(expected));
          expect(bodyText(record)).toBe(`record-${expected}`);
          expected++;
        }
      }
      expect(expected).toBe(total);
      expect(fixture.emulator.calls.ReadSession).toBeGreaterThan(1);
    }, 60_000);
  });
});
