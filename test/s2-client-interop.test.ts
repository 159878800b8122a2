import { AppendRecord, type S2, type SequencedRecord, Tail } from "@retrykit/s2-client";
import {
  AppendInput as SdkAppendInput,
  AppendRecord as SdkAppendRecord,
  S2 as SdkS2,
} from "@s2-dev/streamstore";
import { describe, expect, it } from "vitest";
import { useEmulator } from "./support/emulator-fixture.js";

// Our client and S2's official TypeScript SDK on the same emulator REST port: each reads what the
// other wrote, byte for byte.
const fixture = useEmulator({ seed: 17, transport: "rest" });

/** Every byte value in the body and a header, so a text conversion anywhere would show. */
const binary = (i: number) => Uint8Array.from({ length: 256 }, (_, b) => (b + i) % 256);

interface Seen {
  seqNum: number;
  timestamp: number;
  headers: [string, string][];
  body: string;
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const ours = (record: SequencedRecord): Seen => ({
  seqNum: Number(record.seqNum),
  timestamp: Number(record.timestamp),
  headers: record.headers.map(([name, value]) => [hex(name), hex(value)]),
  body: hex(record.body),
});

function sdk(): SdkS2 {
  const url = fixture.emulator.restEndpoint;
  return new SdkS2({ accessToken: "test-token", endpoints: { account: url, basin: url } });
}

async function readOurs(s2: S2, basin: string, stream: string): Promise<Seen[]> {
  const result = await s2.basin(basin).stream(stream).read({ seqNum: 0 });
  if (result instanceof Tail) return [];
  return result.map(ours);
}

async function readSdk(client: SdkS2, basin: string, stream: string): Promise<Seen[]> {
  const batch = await client
    .basin(basin)
    .stream(stream)
    .read({ start: { from: { seqNum: 0 } }, stop: { limits: { count: 1000 } } }, { as: "bytes" });
  return batch.records.map((record) => ({
    seqNum: record.seqNum,
    timestamp: record.timestamp.getTime(),
    headers: record.headers.map(([name, value]) => [hex(name), hex(value)]),
    body: hex(record.body),
  }));
}

describe("interoperability with @s2-dev/streamstore 0.27.0 over REST", () => {
  it("the SDK reads what our client appended: headers, binary bodies, sequence numbers, timestamps", async () => {
    const s2 = fixture.connect();
    const basin = await fixture.freshBasin(s2, "interop-ours");
    const stream = s2.basin(basin).stream("events");
    await stream.append({
      records: [0, 1, 2].map((i) =>
        AppendRecord.make(binary(i), {
          headers: [
            [Buffer.from(`h${i}`), binary(i + 7)],
            ["type", "bin"],
          ],
          timestamp: 1_700_000_000_000 + i,
        }),
      ),
    });
    // Through a session too (s2s frames rather than a unary protobuf body).
    for await (const _ of stream.appendSession([{ records: [AppendRecord.make(binary(9))] }])) {
      // one acknowledgement
    }
    const client = sdk();
    try {
      const fromSdk = await readSdk(client, basin, "events");
      expect(fromSdk).toHaveLength(4);
      expect(fromSdk).toEqual(await readOurs(s2, basin, "events"));
      expect(fromSdk[1]!.body).toBe(hex(binary(1)));
      expect(fromSdk[1]!.headers[0]).toEqual([hex(Buffer.from("h1")), hex(binary(8))]);
      expect(fromSdk[2]!.timestamp).toBe(1_700_000_000_002);
    } finally {
      // The SDK's connections belong to its stream handles.
      await client.basin(basin).stream("events").close();
    }
  });

  it("our client reads what the SDK appended, over a unary read and both read sessions", async () => {
    const s2 = fixture.connect();
    const basin = await fixture.freshBasin(s2, "interop-sdk");
    const client = sdk();
    try {
      await client
        .basin(basin)
        .stream("events")
        .append(
          SdkAppendInput.create(
            [0, 1, 2].map((i) =>
              SdkAppendRecord.bytes({
                body: binary(i),
                headers: [[`k${i}`, binary(i + 3)]],
                timestamp: 1_700_000_000_100 + i,
              }),
            ),
          ),
        );
      const expected = await readSdk(client, basin, "events");
      expect(expected).toHaveLength(3);
      expect(await readOurs(s2, basin, "events")).toEqual(expected);
      for (const protocol of ["s2s", "sse"] as const) {
        const seen: Seen[] = [];
        for await (const batch of s2
          .basin(basin)
          .stream("events")
          .readSession({ seqNum: 0 }, { limit: { count: 3 }, protocol })) {
          if (batch instanceof Tail) break;
          seen.push(...batch.map(ours));
        }
        expect(seen).toEqual(expected);
      }
      const tail = await s2.basin(basin).stream("events").checkTail();
      const sdkTail = await client.basin(basin).stream("events").checkTail();
      expect(Number(tail.nextSeqNum)).toBe(sdkTail.tail.seqNum);
      expect(Number(tail.lastTimestamp)).toBe(sdkTail.tail.timestamp.getTime());
    } finally {
      // The SDK's connections belong to its stream handles.
      await client.basin(basin).stream("events").close();
    }
  });
});
