// Throughput of the S2 emulator on localhost, over gRPC (v1alpha) and over REST v1 (JSON and
// protobuf over HTTP/1.1, s2s sessions over h2c): appends and reads, unary and sessions, in memory
// and with durable storage. Run:
//   node --conditions=@retrykit/source --import tsx bench/emulator.ts
import { mkdtempSync, rmSync } from "node:fs";
import * as http2 from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  type CallOptions,
  type ClientUnaryCall,
  credentials,
  Metadata,
  type ServiceError,
} from "@grpc/grpc-js";
import { startEmulator } from "@retrykit/s2-emulator";
import {
  AccountServiceClient,
  type AppendRecord,
  type AppendSessionResponse,
  type ReadSessionResponse,
  StreamServiceClient,
} from "@retrykit/s2-proto";
import * as v1 from "@retrykit/s2-proto/v1";

const RECORD_BYTES = 1024;
const BATCH = 100;
const BATCHES = 400;
const METERED = 8 + RECORD_BYTES; // per record, no headers

type Unary<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Res) => void,
) => ClientUnaryCall;
function call<Req, Res>(
  method: Unary<Req, Res>,
  self: unknown,
  request: Req,
  metadata: Metadata,
): Promise<Res> {
  return new Promise((resolve, reject) =>
    method.call(self, request, metadata, {}, (error, response) =>
      error ? reject(error) : resolve(response),
    ),
  );
}

const batch: AppendRecord[] = Array.from({ length: BATCH }, () => ({
  headers: [],
  body: Buffer.alloc(RECORD_BYTES, 7),
}));

interface Row {
  case: string;
  records: number;
  seconds: number;
}

async function measure(name: string, records: number, run: () => Promise<void>, rows: Row[]) {
  const started = performance.now();
  await run();
  rows.push({ case: name, records, seconds: (performance.now() - started) / 1000 });
}

async function benchOne(label: string, dataDir: string | undefined, rows: Row[]): Promise<void> {
  const emulator = await startEmulator({ dataDir });
  const account = new AccountServiceClient(emulator.endpoint, credentials.createInsecure());
  const streams = new StreamServiceClient(emulator.endpoint, credentials.createInsecure());
  const md = new Metadata();
  md.set("s2-basin", "bench-basin");
  await call(
    account.createBasin,
    account,
    {
      basin: "bench-basin",
      scope: 0,
      config: { createStreamOnAppend: true, createStreamOnRead: false },
    },
    new Metadata(),
  );
  const total = BATCH * BATCHES;

  await measure(
    `${label}: Append (unary, sequential)`,
    total,
    async () => {
      for (let i = 0; i < BATCHES; i++) {
        await call(streams.append, streams, { input: { stream: "unary", records: batch } }, md);
      }
    },
    rows,
  );

  await measure(
    `${label}: AppendSession (pipelined)`,
    total,
    () =>
      new Promise<void>((resolve, reject) => {
        const session = streams.appendSession(md);
        let acks = 0;
        session.on("data", (_: AppendSessionResponse) => {
          if (++acks === BATCHES) session.end();
        });
        session.on("error", reject);
        session.on("end", resolve);
        for (let i = 0; i < BATCHES; i++)
          session.write({ input: { stream: "session", records: batch } });
      }),
    rows,
  );

  await measure(
    `${label}: Read (unary, 1000 per call)`,
    total,
    async () => {
      let next = 0n;
      while (next < BigInt(total)) {
        const response = await call(
          streams.read,
          streams,
          { stream: "unary", clamp: false, start: { $case: "seqNum", seqNum: next } },
          md,
        );
        const output = response.output?.output;
        if (output?.$case !== "batch") break;
        next += BigInt(output.batch.records.length);
      }
    },
    rows,
  );

  await measure(
    `${label}: ReadSession (catch-up)`,
    total,
    () =>
      new Promise<void>((resolve, reject) => {
        const session = streams.readSession(
          { stream: "session", clamp: false, heartbeats: false, limit: { count: BigInt(total) } },
          md,
        );
        session.on("data", (_: ReadSessionResponse) => {});
        session.on("error", reject);
        session.on("end", resolve);
      }),
    rows,
  );

  await benchRest(label, emulator.restEndpoint, rows);

  account.close();
  streams.close();
  await emulator.close();
}

const restBody = "x".repeat(RECORD_BYTES);
const jsonBatch = JSON.stringify({
  records: Array.from({ length: BATCH }, () => ({ body: restBody })),
});
const protoBatch = v1.AppendInput.encode({ records: batch }).finish();

async function restCall(url: string, init: RequestInit): Promise<Response> {
  const response = await fetch(url, init);
  if (!response.ok)
    throw new Error(`${init.method ?? "GET"} ${url}: ${response.status} ${await response.text()}`);
  return response;
}

/** One s2s session over h2c; resolves with the number of records acknowledged or read. */
function s2sSession(
  session: http2.ClientHttp2Session,
  path: string,
  method: "GET" | "POST",
  frames: Uint8Array[],
  count: (payload: Uint8Array) => number,
  until: number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = session.request({
      ":method": method,
      ":path": path,
      "content-type": "s2s/proto",
      "s2-basin": "bench-basin",
    });
    const decoder = new v1.S2sFrameDecoder();
    let seen = 0;
    request.on("data", (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        if (frame.kind === "terminal") {
          reject(new Error(`terminal frame ${frame.status} ${frame.body}`));
          return;
        }
        seen += count(frame.payload);
        if (seen >= until && method === "POST") request.end();
      }
    });
    request.on("end", () => resolve(seen));
    request.on("error", reject);
    for (const frame of frames) request.write(frame);
    if (method === "GET") request.end();
  });
}

async function benchRest(label: string, endpoint: string, rows: Row[]): Promise<void> {
  const base = `${endpoint}/v1/streams`;
  const headers = { "s2-basin": "bench-basin" };
  const total = BATCH * BATCHES;

  await measure(
    `${label}: REST append (JSON, sequential)`,
    total,
    async () => {
      for (let i = 0; i < BATCHES; i++) {
        await (
          await restCall(`${base}/rest-json/records`, {
            method: "POST",
            headers: { ...headers, "content-type": "application/json" },
            body: jsonBatch,
          })
        ).arrayBuffer();
      }
    },
    rows,
  );

  await measure(
    `${label}: REST append (protobuf, sequential)`,
    total,
    async () => {
      for (let i = 0; i < BATCHES; i++) {
        await (
          await restCall(`${base}/rest-proto/records`, {
            method: "POST",
            headers: {
              ...headers,
              "content-type": "application/protobuf",
              accept: "application/protobuf",
            },
            body: protoBatch,
          })
        ).arrayBuffer();
      }
    },
    rows,
  );

  const session = http2.connect(endpoint, { maxSessionMemory: 256 });
  try {
    await measure(
      `${label}: REST s2s append session (pipelined)`,
      total,
      async () => {
        const frame = v1.encodeS2sMessage(protoBatch);
        const acked = await s2sSession(
          session,
          "/v1/streams/rest-s2s/records",
          "POST",
          Array.from({ length: BATCHES }, () => frame),
          (payload) => {
            const ack = v1.AppendAck.decode(payload);
            return Number((ack.end?.seqNum ?? 0n) - (ack.start?.seqNum ?? 0n));
          },
          total,
        );
        if (acked !== total) throw new Error(`acknowledged ${acked} of ${total}`);
      },
      rows,
    );

    await measure(
      `${label}: REST read (JSON, 1000 per call)`,
      total,
      async () => {
        let next = 0;
        while (next < total) {
          const response = await restCall(`${base}/rest-json/records?seq_num=${next}`, { headers });
          const body = (await response.json()) as { records: unknown[] };
          next += body.records.length;
        }
      },
      rows,
    );

    await measure(
      `${label}: REST read (protobuf, 1000 per call)`,
      total,
      async () => {
        let next = 0;
        while (next < total) {
          const response = await restCall(`${base}/rest-proto/records?seq_num=${next}`, {
            headers: { ...headers, accept: "application/protobuf" },
          });
          next += v1.ReadBatch.decode(new Uint8Array(await response.arrayBuffer())).records.length;
        }
      },
      rows,
    );

    await measure(
      `${label}: REST s2s read session (catch-up)`,
      total,
      async () => {
        const read = await s2sSession(
          session,
          `/v1/streams/rest-s2s/records?seq_num=0&count=${total}`,
          "GET",
          [],
          (payload) => v1.ReadBatch.decode(payload).records.length,
          total,
        );
        if (read !== total) throw new Error(`read ${read} of ${total}`);
      },
      rows,
    );

    await measure(
      `${label}: REST SSE read session (catch-up)`,
      total,
      async () => {
        const response = await restCall(`${base}/rest-json/records?seq_num=0&count=${total}`, {
          headers: { ...headers, accept: "text/event-stream" },
        });
        const text = await response.text();
        const last = [...text.matchAll(/^id: (\d+),(\d+),/gm)].pop();
        if (Number(last?.[2]) !== total) throw new Error(`SSE read ${last?.[2]} of ${total}`);
      },
      rows,
    );
  } finally {
    session.close();
  }
}

/** Measures every case and prints the table. */
export default async function run(): Promise<void> {
  const rows: Row[] = [];
  await benchOne("memory", undefined, rows);
  const dir = mkdtempSync(join(tmpdir(), "s2-emulator-bench-"));
  try {
    await benchOne("file", dir, rows);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  console.log(
    `S2 emulator throughput: ${BATCHES} batches x ${BATCH} records x ${RECORD_BYTES} B bodies, localhost gRPC and REST`,
  );
  console.table(
    rows.map((row) => ({
      case: row.case,
      "records/s": Math.round(row.records / row.seconds),
      "MiB/s": Number(((row.records * METERED) / row.seconds / 1024 / 1024).toFixed(1)),
      "time (s)": Number(row.seconds.toFixed(2)),
    })),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await run();
