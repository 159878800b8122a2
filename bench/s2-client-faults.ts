// Our S2 client and S2's official TypeScript SDK (`@s2-dev/streamstore`) appending the same records
// through the same seeded faults, on the emulator's REST port: records lost, duplicated, and calls
// failed, for each.
//
// Each row starts a fresh in-memory emulator with the same fault rules and seed (503s on append
// sessions, sessions cut after a few frames, acknowledgements dropped after the append was applied),
// then one writer appends RECORDS records with unique bodies (a counter) in batches of BATCH
// through its client's append session, with the client's own retries (`appendRetryPolicy: "all"`
// on both). When a session throws, the writer counts a failed call and starts a new session with
// what was not acknowledged, as an application would; with `matchSeqNum`, a mismatch means the
// batch had landed, so the writer continues from the tail the error reports. Every row has a
// deadline: a writer still running then is reported as not finished instead of holding the run.
// (An SDK row past its deadline leaves a socket open even after `session.close()` and
// `stream.close()`, so the script exits explicitly.) The faults are then cleared and the stream
// read back: a record acknowledged but absent is lost, a record present more than once is
// duplicated. Run:
//   node --conditions=@retrykit/source --import tsx bench/s2-client-faults.ts
import { pathToFileURL } from "node:url";
import { type AppendInput, S2, SeqNumMismatchError, Tail } from "@retrykit/s2-client";
import { type Emulator, startEmulator } from "@retrykit/s2-emulator";
import {
  AppendInput as SdkAppendInput,
  AppendRecord as SdkAppendRecord,
  S2 as SdkS2,
  SeqNumMismatchError as SdkSeqNumMismatchError,
} from "@s2-dev/streamstore";

const RECORDS = Number(process.env.BENCH_FAULT_RECORDS ?? 50_000);
const BATCH = 500;
const RECORD_BYTES = 64;
const WINDOW = 10 * 1024 * 1024;
/** Per row: a writer still appending after this long is reported as not finished. */
const DEADLINE_MS = Number(process.env.BENCH_FAULT_DEADLINE_MS ?? 120_000);
const SEED = 11;
const TOKEN = "bench-token";
const BASIN = "bench-faults-basin";
const STREAM = "faults";
/** The same rules, with the same seed, on every row's emulator. */
const FAULTS = [
  "AppendSession:UNAVAILABLE:p=0.3", // a 503 instead of a session, 30 % of session calls
  "AppendSession:break-after=5:p=0.6", // 60 % of sessions cut after 5 acknowledgements
  "AppendSession:drop-ack:every=17", // every 17th batch applied, its acknowledgement lost
] as const;

/** What one writer did, as it saw it. */
interface Written {
  /** Records acknowledged (or, after a seq-num mismatch, known to have landed), in order. */
  acked: number;
  /** Sessions that threw. */
  failedCalls: number;
  /** Of which: seq-num mismatches (a resent batch refused because it had landed). */
  mismatches: number;
  finished: boolean;
  seconds: number;
}

/** One row of the table. */
interface Row {
  readonly client: string;
  readonly run: (emulator: Emulator, deadline: AbortSignal) => Promise<Omit<Written, "seconds">>;
}

function body(index: number): Uint8Array {
  const bytes = new Uint8Array(RECORD_BYTES);
  new DataView(bytes.buffer).setUint32(0, index);
  return bytes;
}

const bodies = Array.from({ length: RECORDS }, (_, i) => body(i));

const failureKinds = new Map<string, number>();
function noteFailure(error: unknown): void {
  if (!process.env.BENCH_FAULT_DEBUG) return;
  const key = `${(error as Error)?.constructor?.name}: ${String((error as Error)?.message).slice(0, 120)}`;
  failureKinds.set(key, (failureKinds.get(key) ?? 0) + 1);
}

/** Rejects when the deadline fires, so no await of a client can hold the row past it. */
function bounded<T>(promise: Promise<T>, deadline: AbortSignal): Promise<T> {
  if (deadline.aborted) return Promise.reject(deadline.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(deadline.reason);
    deadline.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        deadline.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        deadline.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/** Our client over REST: one append session per attempt of the writer, batches from `next` on. */
function ours(matchSeqNum: boolean): Row["run"] {
  return async (emulator, deadline) => {
    const s2 = new S2({
      accessToken: TOKEN,
      endpoints: { account: emulator.restEndpoint, basin: emulator.restEndpoint },
      appendRetryPolicy: "all",
    });
    const stream = s2.basin(BASIN).stream(STREAM);
    const written = { acked: 0, failedCalls: 0, mismatches: 0, finished: false };
    try {
      while (written.acked < RECORDS && !deadline.aborted) {
        const from = written.acked;
        const inputs = function* (): Generator<AppendInput> {
          for (let start = from; start < RECORDS; start += BATCH) {
            const records = bodies.slice(start, start + BATCH).map((b) => ({ body: b }));
            yield matchSeqNum ? { records, matchSeqNum: start } : { records };
          }
        };
        try {
          const session = stream.appendSession(inputs(), { signal: deadline });
          for await (const ack of session) written.acked += Number(ack.endSeqNum - ack.startSeqNum);
        } catch (error) {
          if (deadline.aborted) break;
          written.failedCalls++;
          noteFailure(error);
          if (matchSeqNum && error instanceof SeqNumMismatchError) {
            written.mismatches++;
            written.acked = Number(error.expectedSeqNum);
          }
        }
      }
      written.finished = written.acked >= RECORDS;
      return written;
    } finally {
      await s2.close();
    }
  };
}

/** The official SDK: its append session (`submit`, then each ticket's `ack()`), its retries. */
function official(matchSeqNum: boolean): Row["run"] {
  return async (emulator, deadline) => {
    const s2 = new SdkS2({
      accessToken: TOKEN,
      endpoints: { account: emulator.restEndpoint, basin: emulator.restEndpoint },
      retry: { appendRetryPolicy: "all" },
    });
    const stream = s2.basin(BASIN).stream(STREAM);
    const written = { acked: 0, failedCalls: 0, mismatches: 0, finished: false };
    try {
      while (written.acked < RECORDS && !deadline.aborted) {
        let session: Awaited<ReturnType<typeof stream.appendSession>> | undefined;
        try {
          session = await bounded(
            stream.appendSession({ maxInflightBytes: WINDOW }, { signal: deadline }),
            deadline,
          );
          const acks: Promise<{ start: { seqNum: number }; end: { seqNum: number } }>[] = [];
          for (let start = written.acked; start < RECORDS; start += BATCH) {
            const records = bodies
              .slice(start, start + BATCH)
              .map((b) => SdkAppendRecord.bytes({ body: b }));
            const input = SdkAppendInput.create(records, matchSeqNum ? { matchSeqNum: start } : {});
            const ticket = await bounded(session.submit(input), deadline);
            const ack = ticket.ack();
            // Awaited in order below; a failure before then must not be an unhandled rejection.
            ack.catch(() => {});
            acks.push(ack);
          }
          for (const ack of acks) {
            const { start, end } = await bounded(ack, deadline);
            written.acked += end.seqNum - start.seqNum;
          }
          await bounded(session.close(), deadline);
        } catch (error) {
          // Closed on every failure, the deadline's included: a session left open keeps its
          // connection (and the process) alive.
          await bounded(session?.close() ?? Promise.resolve(), AbortSignal.timeout(5_000)).catch(
            () => {},
          );
          if (deadline.aborted) break;
          written.failedCalls++;
          noteFailure(error);
          if (matchSeqNum && error instanceof SdkSeqNumMismatchError) {
            written.mismatches++;
            written.acked = error.expectedSeqNum;
          }
        }
      }
      written.finished = written.acked >= RECORDS;
      return written;
    } finally {
      await bounded(stream.close(), AbortSignal.timeout(5_000)).catch(() => {});
    }
  };
}

/** Reads the whole stream back (faults cleared) and counts each record by its counter. */
async function readBack(emulator: Emulator): Promise<Uint32Array> {
  const seen = new Uint32Array(RECORDS);
  const s2 = new S2({
    accessToken: TOKEN,
    endpoints: { account: emulator.restEndpoint, basin: emulator.restEndpoint },
  });
  try {
    const stream = s2.basin(BASIN).stream(STREAM);
    const tail = (await stream.checkTail()).nextSeqNum;
    if (tail === 0n) return seen;
    const signal = AbortSignal.timeout(60_000);
    for await (const batch of stream.readSession(
      { seqNum: 0 },
      { limit: { count: tail }, signal },
    )) {
      if (batch instanceof Tail) break;
      for (const record of batch) {
        const index = new DataView(
          record.body.buffer,
          record.body.byteOffset,
          record.body.byteLength,
        ).getUint32(0);
        seen[index] = (seen[index] as number) + 1;
      }
    }
    return seen;
  } finally {
    await s2.close();
  }
}

const ROWS: readonly Row[] = [
  { client: "@retrykit/s2-client, matchSeqNum", run: ours(true) },
  { client: "@retrykit/s2-client, no matchSeqNum", run: ours(false) },
  { client: "@s2-dev/streamstore 0.27.0, matchSeqNum", run: official(true) },
  { client: "@s2-dev/streamstore 0.27.0, no matchSeqNum", run: official(false) },
];

/** The figures of one row. */
export interface FaultFigures extends Written {
  readonly client: string;
  /** Acknowledged records absent from the stream. */
  readonly lost: number;
  /** Records present more than once. */
  readonly duplicated: number;
  /** Extra copies in all (a record present 3 times counts 2). */
  readonly extraCopies: number;
  readonly faultsInjected: Readonly<Record<string, number>>;
}

async function runRow(row: Row): Promise<FaultFigures> {
  const emulator = await startEmulator({ rootToken: TOKEN, seed: SEED });
  try {
    const admin = new S2({
      accessToken: TOKEN,
      endpoints: { account: emulator.restEndpoint, basin: emulator.restEndpoint },
    });
    await admin.createBasin(BASIN, { createStreamOnAppend: true });
    await admin.close();
    for (const rule of FAULTS) emulator.faults.add(rule);
    const deadline = new AbortController();
    const timer = setTimeout(
      () => deadline.abort(new Error(`did not finish in ${DEADLINE_MS} ms`)),
      DEADLINE_MS,
    );
    const started = performance.now();
    let written: Omit<Written, "seconds">;
    try {
      written = await row.run(emulator, deadline.signal);
    } finally {
      clearTimeout(timer);
    }
    const seconds = (performance.now() - started) / 1000;
    const faultsInjected = { ...emulator.faults.injectedByKind };
    if (process.env.BENCH_FAULT_DEBUG) console.log(row.client, [...failureKinds]);
    failureKinds.clear();
    emulator.faults.clear();
    const seen = await readBack(emulator);
    let lost = 0;
    let duplicated = 0;
    let extraCopies = 0;
    for (let i = 0; i < RECORDS; i++) {
      const copies = seen[i] as number;
      if (i < written.acked && copies === 0) lost++;
      if (copies > 1) {
        duplicated++;
        extraCopies += copies - 1;
      }
    }
    return {
      client: row.client,
      ...written,
      seconds,
      lost,
      duplicated,
      extraCopies,
      faultsInjected,
    };
  } finally {
    await emulator.close();
  }
}

/** Runs every row and prints the table; returns the figures. */
export default async function run(): Promise<FaultFigures[]> {
  console.log(
    `Node ${process.version}, in-memory emulator in the same process, REST port; ${RECORDS.toLocaleString("en-US")} records of ${RECORD_BYTES} B in batches of ${BATCH}; seed ${SEED}; faults: ${FAULTS.join(", ")}; deadline ${DEADLINE_MS / 1000} s per row`,
  );
  const results: FaultFigures[] = [];
  for (const row of ROWS) results.push(await runRow(row));
  const count = (n: number) => n.toLocaleString("en-US");
  console.log(
    "\n| client | finished | acked | lost | duplicated (extra copies) | failed calls (seq-num mismatches) | faults injected (503 / cut / dropped ack) | time |",
  );
  console.log("|---|---|---:|---:|---:|---:|---:|---:|");
  for (const r of results) {
    const f = r.faultsInjected;
    console.log(
      `| ${r.client} | ${r.finished ? "yes" : "**no** (deadline)"} | ${count(r.acked)} | ${count(r.lost)} | ${count(r.duplicated)} (${count(r.extraCopies)}) | ${count(r.failedCalls)} (${count(r.mismatches)}) | ${f.status ?? 0} / ${f.break ?? 0} / ${f["drop-ack"] ?? 0} | ${r.seconds.toFixed(1)} s |`,
    );
  }
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await run();
  process.exit(0);
}
