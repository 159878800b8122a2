// The S2 client against its peers on the same in-process emulator (in memory): over REST v1 against
// S2's official TypeScript SDK (`@s2-dev/streamstore`) on the emulator's REST port, and over gRPC
// against a bare grpc-js client built from the same generated stubs.
//
// Three cases: (a) an append session of RECORDS records of RECORD_BYTES bytes in batches of BATCH,
// pipelined with the same window of unacknowledged bytes on both sides (the client's default
// `maxInflightBytes`, 10 MiB); (b) a read session over the stream (a) wrote; (c) sequential unary
// appends of one record, timed one by one (p50 / p99).
//
// Method: one warm-up round is discarded, then ROUNDS rounds; each round starts a fresh emulator and
// runs both clients, alternating which goes first so drift in machine load touches both alike. The
// median of the rounds is reported. Run:
//   node --conditions=@retrykit/source --import tsx bench/s2-client.ts
import { pathToFileURL } from "node:url";
import {
  type ClientDuplexStream,
  type ClientReadableStream,
  credentials,
  Metadata,
  type ServiceError,
} from "@grpc/grpc-js";
import { type AppendInput, type AppendRecord, S2, Tail } from "@retrykit/s2-client";
import { type Emulator, startEmulator } from "@retrykit/s2-emulator";
import {
  AccountServiceClient,
  type AppendRecord as AppendRecordMessage,
  type AppendResponse,
  type AppendSessionRequest,
  type AppendSessionResponse,
  type ReadSessionResponse,
  StreamServiceClient,
} from "@retrykit/s2-proto";
import {
  AppendInput as SdkAppendInput,
  AppendRecord as SdkAppendRecord,
  S2 as SdkS2,
} from "@s2-dev/streamstore";

const RECORDS = Number(process.env.BENCH_RECORDS ?? 200_000);
const RECORD_BYTES = 256;
const BATCH = 500;
const UNARY_APPENDS = Number(process.env.BENCH_UNARY ?? 2_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WINDOW = 10 * 1024 * 1024; // the client's default maxInflightBytes
const METERED = 8 + RECORD_BYTES; // per record, no headers
const REQUEST_TIMEOUT = 5_000;
const TOKEN = "bench-token";
const BASIN = "bench-client-basin";

/** Two contenders measured side by side in the same rounds. */
interface Pair {
  readonly title: string;
  readonly ours: (emulator: Emulator) => Contender;
  readonly peer: (emulator: Emulator) => Contender;
  readonly peerName: string;
}

type Side = "ours" | "peer";

interface Figures {
  appendSeconds: number;
  readSeconds: number;
  p50: number;
  p99: number;
}

const body = Buffer.alloc(RECORD_BYTES, 7);
const ourBatch: AppendRecord[] = Array.from({ length: BATCH }, () => ({ body }));
const bareBatch: AppendRecordMessage[] = Array.from({ length: BATCH }, () => ({
  headers: [],
  body,
}));

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

function median(values: readonly number[]): number {
  return quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

async function timed(run: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await run();
  return (performance.now() - started) / 1000;
}

/** One side of the comparison: the three cases, each against a stream of its own. */
interface Contender {
  appendSession(stream: string): Promise<void>;
  readSession(stream: string): Promise<void>;
  /** Latencies of sequential unary appends, ms. */
  unaryAppends(stream: string): Promise<number[]>;
  close(): Promise<void>;
}

/** Our client: the public API only, default settings apart from the transport and endpoint. */
function ours(emulator: Emulator, transport: "rest" | "grpc"): Contender {
  const s2 = new S2({
    accessToken: TOKEN,
    transport,
    endpoints:
      transport === "rest"
        ? { account: emulator.restEndpoint, basin: emulator.restEndpoint }
        : { account: emulator.endpoint, basin: emulator.endpoint, tls: false },
    requestTimeout: REQUEST_TIMEOUT,
  });
  const basin = s2.basin(BASIN);
  return {
    async appendSession(stream) {
      const inputs = function* (): Generator<AppendInput> {
        for (let i = 0; i < RECORDS / BATCH; i++) yield { records: ourBatch };
      };
      let acked = 0n;
      for await (const ack of basin.stream(stream).appendSession(inputs())) acked = ack.endSeqNum;
      if (acked !== BigInt(RECORDS)) throw new Error(`ours: appended up to ${acked}`);
    },
    async readSession(stream) {
      let read = 0;
      for await (const batch of basin
        .stream(stream)
        .readSession({ seqNum: 0 }, { limit: { count: RECORDS } })) {
        if (batch instanceof Tail) break;
        read += batch.length;
      }
      if (read !== RECORDS) throw new Error(`ours: read ${read} records`);
    },
    async unaryAppends(stream) {
      const handle = basin.stream(stream);
      const latencies: number[] = [];
      const single = { records: [ourBatch[0] as AppendRecord] };
      for (let i = 0; i < UNARY_APPENDS; i++) {
        const started = performance.now();
        await handle.append(single);
        latencies.push(performance.now() - started);
      }
      return latencies;
    },
    close: () => s2.close(),
  };
}

/** S2's official SDK over REST (s2s sessions over HTTP/2, unary calls over fetch), the same window. */
function official(emulator: Emulator): Contender {
  const url = emulator.restEndpoint;
  const s2 = new SdkS2({
    accessToken: TOKEN,
    endpoints: { account: url, basin: url },
    requestTimeoutMillis: REQUEST_TIMEOUT,
  });
  const basin = s2.basin(BASIN);
  const handles: { close(): Promise<void> }[] = [];
  const stream = (name: string) => {
    const handle = basin.stream(name);
    handles.push(handle);
    return handle;
  };
  const records = ourBatch.map((record) => SdkAppendRecord.bytes({ body: record.body as Buffer }));
  return {
    async appendSession(name) {
      const session = await stream(name).appendSession({ maxInflightBytes: WINDOW });
      let last: { ack(): Promise<{ end: { seqNum: number } }> } | undefined;
      for (let i = 0; i < RECORDS / BATCH; i++)
        last = await session.submit(SdkAppendInput.create(records));
      const ack = await last?.ack();
      await session.close();
      if (ack?.end.seqNum !== RECORDS) throw new Error(`sdk: appended up to ${ack?.end.seqNum}`);
    },
    async readSession(name) {
      const session = await stream(name).readSession(
        { start: { from: { seqNum: 0 } }, stop: { limits: { count: RECORDS } } },
        { as: "bytes" },
      );
      let read = 0;
      for await (const _ of session) read++;
      if (read !== RECORDS) throw new Error(`sdk: read ${read} records`);
    },
    async unaryAppends(name) {
      const handle = stream(name);
      const latencies: number[] = [];
      for (let i = 0; i < UNARY_APPENDS; i++) {
        const started = performance.now();
        await handle.append(SdkAppendInput.create([records[0]!]));
        latencies.push(performance.now() - started);
      }
      return latencies;
    },
    close: async () => {
      for (const handle of handles) await handle.close();
    },
  };
}

/** A bare grpc-js client: generated stubs, the same metadata, the same window, nothing else. */
function bare(emulator: Emulator): Contender {
  const client = new StreamServiceClient(emulator.endpoint, credentials.createInsecure(), {
    "grpc.enable_retries": 0,
  });
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${TOKEN}`);
  metadata.set("s2-basin", BASIN);
  const batches = RECORDS / BATCH;
  const batchBytes = BATCH * METERED;
  return {
    appendSession: (stream) =>
      new Promise<void>((resolve, reject) => {
        const call: ClientDuplexStream<AppendSessionRequest, AppendSessionResponse> =
          client.appendSession(metadata);
        let sent = 0;
        let acked = 0;
        let waitingForDrain = false;
        // Writes while fewer than WINDOW bytes are unacknowledged and the transport takes more.
        const pump = () => {
          while (sent < batches && (sent - acked) * batchBytes < WINDOW && !waitingForDrain) {
            sent++;
            if (!call.write({ input: { stream, records: bareBatch } })) waitingForDrain = true;
          }
          if (acked === batches) call.end();
        };
        call.on("drain", () => {
          waitingForDrain = false;
          pump();
        });
        call.on("data", (response: AppendSessionResponse) => {
          acked++;
          if (response.output === undefined) reject(new Error("bare: empty acknowledgement"));
          pump();
        });
        call.on("error", reject);
        call.on("end", () =>
          acked === batches ? resolve() : reject(new Error(`bare: ${acked} acks`)),
        );
        pump();
      }),
    readSession: (stream) =>
      new Promise<void>((resolve, reject) => {
        const call: ClientReadableStream<ReadSessionResponse> = client.readSession(
          {
            stream,
            heartbeats: true,
            clamp: false,
            start: { $case: "seqNum", seqNum: 0n },
            limit: { count: BigInt(RECORDS) },
          },
          metadata,
        );
        let read = 0;
        call.on("data", (response: ReadSessionResponse) => {
          const output = response.output?.output;
          if (output?.$case === "batch") read += output.batch.records.length;
        });
        call.on("error", reject);
        call.on("end", () =>
          read === RECORDS ? resolve() : reject(new Error(`bare: read ${read} records`)),
        );
      }),
    async unaryAppends(stream) {
      const latencies: number[] = [];
      const request = { input: { stream, records: [bareBatch[0] as AppendRecordMessage] } };
      for (let i = 0; i < UNARY_APPENDS; i++) {
        const started = performance.now();
        await new Promise<AppendResponse>((resolve, reject) =>
          client.append(
            request,
            metadata,
            { deadline: Date.now() + REQUEST_TIMEOUT },
            (error: ServiceError | null, response?: AppendResponse) =>
              error ? reject(error) : resolve(response as AppendResponse),
          ),
        );
        latencies.push(performance.now() - started);
      }
      return latencies;
    },
    close: async () => client.close(),
  };
}

/**
 * One round on a fresh emulator. Each case runs on both sides back to back (the order alternating
 * between rounds), so both see the same machine load.
 */
async function round(index: number, pair: Pair): Promise<Record<Side, Figures>> {
  const emulator = await startEmulator({ rootToken: TOKEN });
  const sides: Record<Side, Contender> = { ours: pair.ours(emulator), peer: pair.peer(emulator) };
  try {
    const account = new AccountServiceClient(emulator.endpoint, credentials.createInsecure());
    const metadata = new Metadata();
    metadata.set("authorization", `Bearer ${TOKEN}`);
    await new Promise<void>((resolve, reject) =>
      account.createBasin(
        {
          basin: BASIN,
          scope: 0,
          config: { createStreamOnAppend: true, createStreamOnRead: false },
        },
        metadata,
        (error: ServiceError | null) => (error ? reject(error) : resolve()),
      ),
    );
    account.close();
    const order: Side[] = index % 2 === 0 ? ["ours", "peer"] : ["peer", "ours"];
    const figures = {
      ours: { appendSeconds: 0, readSeconds: 0, p50: 0, p99: 0 },
      peer: { appendSeconds: 0, readSeconds: 0, p50: 0, p99: 0 },
    };
    for (const side of order) {
      figures[side].appendSeconds = await timed(() => sides[side].appendSession(`${side}-session`));
    }
    for (const side of order) {
      figures[side].readSeconds = await timed(() => sides[side].readSession(`${side}-session`));
    }
    for (const side of order) {
      const latencies = (await sides[side].unaryAppends(`${side}-unary`)).sort((a, b) => a - b);
      figures[side].p50 = quantile(latencies, 0.5);
      figures[side].p99 = quantile(latencies, 0.99);
    }
    return figures;
  } finally {
    await sides.ours.close();
    await sides.peer.close();
    await emulator.close();
  }
}

function ratio(ours: number, bare: number): string {
  return `${((ours / bare) * 100).toFixed(0)}%`;
}

const PAIRS: readonly Pair[] = [
  {
    title: "REST v1 (s2s sessions over HTTP/2, unary over fetch), on the emulator's REST port",
    ours: (emulator) => ours(emulator, "rest"),
    peer: official,
    peerName: "@s2-dev/streamstore 0.27.0",
  },
  {
    title: "gRPC v1alpha, on the emulator's gRPC port",
    ours: (emulator) => ours(emulator, "grpc"),
    peer: bare,
    peerName: "bare grpc-js",
  },
];

/** Runs the rounds of one pair and prints a Markdown table of medians; returns them. */
async function runPair(pair: Pair): Promise<Record<Side, Figures>> {
  const samples: Record<Side, Figures[]> = { ours: [], peer: [] };
  for (let r = 0; r <= ROUNDS; r++) {
    const figures = await round(r, pair);
    // Round 0 warms up the JIT, the emulator's code paths and the sockets: discarded.
    if (r === 0) continue;
    samples.ours.push(figures.ours);
    samples.peer.push(figures.peer);
  }
  const medians = {} as Record<Side, Figures>;
  for (const side of ["ours", "peer"] as const) {
    const list = samples[side];
    medians[side] = {
      appendSeconds: median(list.map((f) => f.appendSeconds)),
      readSeconds: median(list.map((f) => f.readSeconds)),
      p50: median(list.map((f) => f.p50)),
      p99: median(list.map((f) => f.p99)),
    };
  }
  const mib = (RECORDS * METERED) / 1024 / 1024;
  const throughput = (seconds: number) =>
    `${Math.round(RECORDS / seconds).toLocaleString("en-US")} rec/s, ${(mib / seconds).toFixed(1)} MiB/s`;
  const ours = medians.ours;
  const peer = medians.peer;
  console.log(`\n### ${pair.title}\n`);
  console.log(`| case | @retrykit/s2-client | ${pair.peerName} | ours / peer |`);
  console.log("|---|---:|---:|---:|");
  console.log(
    `| (a) append session | ${throughput(ours.appendSeconds)} | ${throughput(peer.appendSeconds)} | ${ratio(peer.appendSeconds, ours.appendSeconds)} |`,
  );
  console.log(
    `| (b) read session | ${throughput(ours.readSeconds)} | ${throughput(peer.readSeconds)} | ${ratio(peer.readSeconds, ours.readSeconds)} |`,
  );
  console.log(
    `| (c) unary append p50 | ${ours.p50.toFixed(3)} ms | ${peer.p50.toFixed(3)} ms | ${ratio(ours.p50, peer.p50)} |`,
  );
  console.log(
    `| (c) unary append p99 | ${ours.p99.toFixed(3)} ms | ${peer.p99.toFixed(3)} ms | ${ratio(ours.p99, peer.p99)} |`,
  );
  return medians;
}

/** Runs every pair and prints their tables; returns the medians by pair title. */
export default async function run(): Promise<Record<string, Record<Side, Figures>>> {
  console.log(
    `Node ${process.version}, in-memory emulator in the same process; ${RECORDS.toLocaleString("en-US")} records of ${RECORD_BYTES} B in batches of ${BATCH}, window ${WINDOW / 1024 / 1024} MiB; ${UNARY_APPENDS.toLocaleString("en-US")} unary appends of 1 record; median of ${ROUNDS} rounds after a warm-up`,
  );
  const results: Record<string, Record<Side, Figures>> = {};
  for (const pair of PAIRS) results[pair.title] = await runPair(pair);
  console.log(
    "\nThroughput ratios are ours / peer (higher is better); latency ratios likewise ours / peer (lower is better).",
  );
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await run();
