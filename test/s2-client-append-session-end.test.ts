import { type AppendInput, AppendRecord } from "@retrykit/s2-client";
import { describe, expect, it } from "vitest";
import { useEmulator } from "./support/emulator-fixture.js";

const fixture = useEmulator({ seed: 15 });

describe("short append sessions against s2-emulator", () => {
  // Each session used to end by cancelling its call (an RST_STREAM); enough of them make Node's
  // HTTP/2 server drop the whole connection, failing unrelated calls with INTERNAL.
  it("thousands of one-batch sessions on one client, interleaved with unary calls, all succeed", async () => {
    const s2 = fixture.connect({ maxRetries: 0 });
    const stream = s2.basin(await fixture.freshBasin(s2, "short-sessions")).stream("events");
    await stream.append({ records: [AppendRecord.make("first")] });
    const failures: unknown[] = [];
    const sessions = 2000;
    const concurrency = 8;
    let next = 0;
    const worker = async () => {
      while (next < sessions) {
        const i = next++;
        try {
          for await (const _ack of stream.appendSession([
            { records: [AppendRecord.make(`s${i}`)] },
          ])) {
            // Half the callers stop reading at the acknowledgement they wanted.
            if (i % 2 === 0) break;
          }
          if (i % 10 === 0) await stream.checkTail();
        } catch (error) {
          failures.push(error);
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    expect(failures.map(String).slice(0, 3)).toEqual([]);
    expect((await stream.checkTail()).nextSeqNum).toBe(BigInt(sessions + 1));
  }, 120_000);
});

describe("an append session whose input turns invalid", () => {
  it("delivers the acknowledgements of the batches sent before it, then throws", async () => {
    const s2 = fixture.connect();
    const stream = s2.basin(await fixture.freshBasin(s2, "invalid-input")).stream("events");
    async function* inputs(): AsyncGenerator<AppendInput> {
      yield { records: [AppendRecord.make("a"), AppendRecord.make("b")] };
      yield { records: [AppendRecord.make("c")] };
      yield { records: [] }; // no records: refused before sending
    }
    const acks: bigint[] = [];
    let thrown: unknown;
    try {
      for await (const ack of stream.appendSession(inputs())) acks.push(ack.endSeqNum);
    } catch (error) {
      thrown = error;
    }
    expect(acks).toEqual([2n, 3n]);
    expect(thrown).toBeInstanceOf(RangeError);
    expect((thrown as Error).message).toMatch(/inputs\[\]/);
    expect((await stream.checkTail()).nextSeqNum).toBe(3n);
  });
});
