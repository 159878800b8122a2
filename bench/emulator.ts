// Throughput of the S2 emulator over real gRPC on localhost: appends and reads, unary and sessions,
// in memory and with durable storage. Run:
//   node --conditions=@retrykit/source --import tsx bench/emulator.ts
import { mkdtempSync, rmSync } from "node:fs";
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

  account.close();
  streams.close();
  await emulator.close();
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
    `S2 emulator throughput: ${BATCHES} batches x ${BATCH} records x ${RECORD_BYTES} B bodies, localhost gRPC`,
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
