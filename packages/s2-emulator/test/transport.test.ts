import { rmSync } from "node:fs";
import { type ChannelOptions, credentials, status } from "@grpc/grpc-js";
import {
  AccountServiceClient,
  type AppendSessionResponse,
  type ReadSessionResponse,
  StreamServiceClient,
} from "@retrykit/s2-proto";
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../src/index.js";
import { call, codeOf, collectSession, meta } from "./helpers.js";
import { LOCALHOST_NAME, type TlsFixture, tlsFixture } from "./tls-fixture.js";

let emulator: Emulator | undefined;
const clients: Array<{ close(): void }> = [];
let fixture: TlsFixture | undefined;
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await emulator?.close();
  emulator = undefined;
  if (fixture !== undefined) rmSync(fixture.dir, { recursive: true, force: true });
  fixture = undefined;
});

function client<T extends { close(): void }>(make: () => T): T {
  const made = make();
  clients.push(made);
  return made;
}

const B = "transport-basin";
const GZIP: ChannelOptions = { "grpc.default_compression_algorithm": 2 }; // compressionAlgorithms.gzip

describe("gzip-compressed requests", () => {
  it("appends and reads, unary and in sessions, from a client that compresses with gzip", async () => {
    emulator = await startEmulator();
    const endpoint = emulator.endpoint;
    const account = client(
      () => new AccountServiceClient(endpoint, credentials.createInsecure(), GZIP),
    );
    const streams = client(
      () => new StreamServiceClient(endpoint, credentials.createInsecure(), GZIP),
    );
    await call(
      account.createBasin,
      account,
      { basin: B, scope: 0, config: { createStreamOnAppend: true, createStreamOnRead: false } },
      meta(),
    );
    // Compressible bodies, large enough for compression to matter.
    const body = (i: number) => Buffer.from(`record ${i} `.repeat(2000));
    const unary = await call(
      streams.append,
      streams,
      { input: { stream: "z", records: [{ headers: [], body: body(0) }] } },
      meta(B),
    );
    expect(unary.output?.startSeqNum).toBe(0n);

    const session = streams.appendSession(meta(B));
    const acks: AppendSessionResponse[] = [];
    session.on("data", (m: AppendSessionResponse) => acks.push(m));
    const ended = new Promise<void>((resolve, reject) => {
      session.on("end", resolve);
      session.on("error", reject);
    });
    for (let i = 1; i <= 3; i++) {
      session.write({ input: { stream: "z", records: [{ headers: [], body: body(i) }] } });
    }
    session.end();
    await ended;
    expect(acks.map((a) => a.output?.startSeqNum)).toEqual([1n, 2n, 3n]);

    const read = await call(
      streams.read,
      streams,
      { stream: "z", clamp: false, start: { $case: "seqNum", seqNum: 0n } },
      meta(B),
    );
    const records = read.output?.output?.$case === "batch" ? read.output.output.batch.records : [];
    expect(records.map((r) => Buffer.compare(r.body, body(Number(r.seqNum))))).toEqual([
      0, 0, 0, 0,
    ]);

    const messages: ReadSessionResponse[] = await collectSession(
      streams,
      {
        stream: "z",
        heartbeats: false,
        clamp: false,
        limit: { count: 4n },
        start: { $case: "seqNum", seqNum: 2n },
      },
      meta(B),
    );
    const sessionRecords = messages.flatMap((m) =>
      m.output?.output?.$case === "batch" ? m.output.output.batch.records : [],
    );
    expect(sessionRecords.map((r) => r.seqNum)).toEqual([2n, 3n]);
    expect(sessionRecords[1]?.body.equals(body(3))).toBe(true);
  });
});

describe("TLS with a given certificate and key", () => {
  for (const form of ["paths", "PEM text"] as const) {
    it(`serves TLS from ${form}; trusting clients connect, plaintext ones do not`, async () => {
      fixture = await tlsFixture();
      const tls =
        form === "paths"
          ? { cert: fixture.certPath, key: fixture.keyPath }
          : { cert: fixture.cert, key: fixture.key };
      emulator = await startEmulator({ tls });
      expect(emulator.caCertificatePem).toBe(fixture.cert);
      expect(emulator.caCertificatePath).toBeUndefined();
      const endpoint = emulator.endpoint;
      const trusted = client(
        () =>
          new AccountServiceClient(
            endpoint,
            credentials.createSsl(Buffer.from(fixture!.cert)),
            LOCALHOST_NAME,
          ),
      );
      await call(trusted.createBasin, trusted, { basin: B, scope: 0 }, meta());
      const listed = await call(
        trusted.listBasins,
        trusted,
        { prefix: "", startAfter: "" },
        meta(),
      );
      expect(listed.basins.map((b) => b.name)).toEqual([B]);

      const plaintext = client(
        () => new AccountServiceClient(endpoint, credentials.createInsecure()),
      );
      const code = await codeOf(
        new Promise((resolve, reject) =>
          plaintext.listBasins(
            { prefix: "", startAfter: "" },
            meta(),
            { deadline: Date.now() + 5000 },
            (error, response) => (error === null ? resolve(response) : reject(error)),
          ),
        ),
      );
      expect(code).not.toBe(status.OK);
    });
  }
});
