import { Server, ServerCredentials, type ServerWritableStream, status } from "@grpc/grpc-js";
import { StreamServiceService } from "@retrykit/s2-proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bodyText, S2, S2Error, type SequencedRecord, Tail } from "../src/index.js";

// A scripted read-session server; each test sets how it answers the n-th call.
type Script = (call: ServerWritableStream<unknown, unknown>, n: number) => void;
let script: Script = () => {};
let sessions = 0;
let server: Server;
let endpoint: string;
const timers = new Set<ReturnType<typeof setTimeout>>();

const heartbeat = () => ({});
const batch = (from: number, count: number) => ({
  output: {
    output: {
      $case: "batch",
      batch: {
        records: Array.from({ length: count }, (_, i) => ({
          seqNum: BigInt(from + i),
          timestamp: 0n,
          headers: [],
          body: new TextEncoder().encode(`r${from + i}`),
        })),
      },
    },
  },
});
const tail = (next: number) => ({
  output: { output: { $case: "nextSeqNum", nextSeqNum: BigInt(next) } },
});

beforeAll(async () => {
  server = new Server();
  server.addService(StreamServiceService, {
    readSession(call: ServerWritableStream<unknown, unknown>) {
      script(call, ++sessions);
    },
  } as never);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  endpoint = `127.0.0.1:${port}`;
});

afterAll(() => {
  for (const timer of timers) clearTimeout(timer);
  server.forceShutdown();
});

const later = (ms: number, f: () => void) => {
  const timer = setTimeout(() => {
    timers.delete(timer);
    f();
  }, ms);
  timers.add(timer);
};

function client(options: { maxRetries: number; readSessionIdleTimeout?: number }): S2 {
  return new S2({
    accessToken: "read-session-token",
    transport: "grpc",
    endpoints: { account: endpoint, basin: endpoint, tls: false },
    retryBackoff: 1,
    // These tests count reconnects against maxRetries alone; the retry budget (which would refuse
    // the sixth reconnect in a row of failures) has its own tests.
    retryBudget: null,
    ...options,
  });
}

async function readAll(s2: S2): Promise<Array<SequencedRecord[] | Tail>> {
  const items: Array<SequencedRecord[] | Tail> = [];
  for await (const item of s2.basin("progress-basin").stream("s").readSession({ seqNum: 0 }))
    items.push(item);
  return items;
}

describe("read session progress", () => {
  it("a heartbeat is not progress: a server that sends one and then fails uses up the retries", async () => {
    sessions = 0;
    script = (call, n) => {
      // Enough failures to tell "gave up after maxRetries" from "retried forever".
      if (n > 20) {
        call.write(tail(0));
        call.end();
        return;
      }
      call.write(heartbeat());
      later(5, () => call.emit("error", { code: status.UNAVAILABLE, details: "dropped" }));
    };
    await using s2 = client({ maxRetries: 3 });
    const error = await readAll(s2).catch((e: unknown) => e);
    expect(S2Error.is(error) && error.code).toBe(status.UNAVAILABLE);
    expect(sessions).toBe(4);
  });

  it("records are progress: each batch before a failure starts a fresh count of retries", async () => {
    sessions = 0;
    script = (call, n) => {
      if (n > 6) {
        call.write(tail(6));
        call.end();
        return;
      }
      call.write(batch(n - 1, 1));
      later(5, () => call.emit("error", { code: status.UNAVAILABLE, details: "dropped" }));
    };
    await using s2 = client({ maxRetries: 1 });
    const items = await readAll(s2);
    const records = items.filter((item): item is SequencedRecord[] => Array.isArray(item)).flat();
    expect(records.map(bodyText)).toEqual(["r0", "r1", "r2", "r3", "r4", "r5"]);
    expect(items.at(-1)).toBeInstanceOf(Tail);
    expect(sessions).toBe(7);
  });

  it("heartbeats keep a quiet session open past the idle timeout; silence reconnects it", async () => {
    sessions = 0;
    script = (call, n) => {
      if (n === 1) {
        // Heartbeats every 40 ms for 600 ms (the idle timeout is 300 ms), then one record, then
        // silence: the session must reconnect (after the record) and read on.
        for (let t = 40; t <= 600; t += 40) later(t, () => call.write(heartbeat()));
        later(620, () => call.write(batch(0, 1)));
        return;
      }
      call.write(batch(1, 1));
      call.write(tail(2));
      call.end();
    };
    await using s2 = client({ maxRetries: 1, readSessionIdleTimeout: 300 });
    const items = await readAll(s2);
    const records = items.filter((item): item is SequencedRecord[] => Array.isArray(item)).flat();
    expect(records.map(bodyText)).toEqual(["r0", "r1"]);
    expect(sessions).toBe(2);
  });
});
