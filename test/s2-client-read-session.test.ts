import { AppendRecord, bodyText, Tail } from "@retrykit/s2-client";
import { describe, expect, it } from "vitest";
import { TRANSPORTS, useEmulator } from "./support/emulator-fixture.js";

describe.each(TRANSPORTS)("over %s", (transport) => {
  const fixture = useEmulator({ seed: 11, transport });

  describe("read session against s2-emulator", () => {
    it("without heartbeats, a quiet follow session stays open instead of timing out", async () => {
      // A short idle timeout: were it applied without heartbeats, the session would reconnect every
      // 100 ms and give up after two attempts, long before the append below.
      const s2 = fixture.connect({ readSessionIdleTimeout: 100, maxRetries: 1 });
      const basin = s2.basin(await fixture.freshBasin(s2, "quiet-reader"));
      const stream = basin.stream("events");
      await stream.append({ records: [AppendRecord.make("first")] });
      const abort = new AbortController();
      const session = stream.readSession(
        { seqNum: 1 },
        { heartbeats: false, signal: abort.signal },
      );
      const next = session.next();
      next.catch(() => {}); // awaited below; a failure must not go unhandled meanwhile
      await new Promise((resolve) => setTimeout(resolve, 600));
      await stream.append({ records: [AppendRecord.make("second")] });
      const item = await next;
      expect(item.done).toBe(false);
      const batch = item.value;
      if (batch instanceof Tail || batch === undefined) throw new Error("expected records");
      expect(batch.map(bodyText)).toEqual(["second"]);
      expect(fixture.emulator.calls.ReadSession).toBe(1);
      abort.abort();
      await session.return(undefined);
    });
  });
});
