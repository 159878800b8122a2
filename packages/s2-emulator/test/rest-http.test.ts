import * as http from "node:http";
import * as http2 from "node:http2";
import {
  AppendAck,
  AppendInput,
  encodeS2sMessage,
  ReadBatch,
  type S2sFrame,
  S2sFrameDecoder,
} from "@retrykit/s2-proto/v1";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../src/index.js";

// The REST port spoken to directly: HTTP/1.1 with fetch, HTTP/2 (h2c) with node:http2.

let emulator: Emulator;
let base: string;
const BASIN = "http-basin-1";

function rest(
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Response> {
  const json = init.body !== undefined && !(init.body instanceof Uint8Array);
  return fetch(`${base}/v1${path}`, {
    method: init.method ?? "GET",
    headers: {
      "s2-basin": BASIN,
      ...(json ? { "content-type": "application/json" } : {}),
      ...init.headers,
    },
    body: json ? JSON.stringify(init.body) : (init.body as BodyInit | undefined),
  });
}

async function expectError(response: Response, status: number, code: string): Promise<void> {
  expect(response.status).toBe(status);
  expect(await response.json()).toMatchObject({ code });
}

beforeEach(async () => {
  emulator = await startEmulator();
  base = emulator.restEndpoint;
  await rest("/basins", { method: "POST", body: { basin: BASIN } });
  await rest("/streams", { method: "POST", body: { stream: "s" } });
});

afterEach(async () => {
  await emulator.close();
});

describe("HTTP/1.1 JSON", () => {
  it("answers health, unknown routes and wrong methods", async () => {
    expect(await (await fetch(`${base}/health`)).text()).toBe("OK");
    expect((await fetch(`${base}/v1/nothing`)).status).toBe(404);
    expect((await rest("/basins", { method: "DELETE" })).status).toBe(405);
  });

  it("creates with provision results and s2-request-token idempotency", async () => {
    const headers = { "s2-request-token": "token-1" };
    const first = await rest("/basins", { method: "POST", body: { basin: "idem-basin" }, headers });
    expect(first.status).toBe(201);
    expect(first.headers.get("s2-provision-result")).toBe("created");
    expect(await first.json()).toMatchObject({ name: "idem-basin", deleted_at: null });
    const retry = await rest("/basins", { method: "POST", body: { basin: "idem-basin" }, headers });
    expect(retry.status).toBe(201);
    expect(retry.headers.get("s2-provision-result")).toBe("noop");
    await expectError(
      await rest("/basins", { method: "POST", body: { basin: "idem-basin" } }),
      409,
      "resource_already_exists",
    );
    const ensured = await rest("/streams/orders", {
      method: "PUT",
      body: { retention_policy: { infinite: {} }, timestamping: { mode: "arrival" } },
    });
    expect(ensured.status).toBe(201);
    const config = await (await rest("/streams/orders")).json();
    expect(config).toEqual({
      storage_class: "express",
      retention_policy: { infinite: {} },
      timestamping: { mode: "arrival", uncapped: false },
      delete_on_empty: { min_age_secs: 0 },
    });
    const patched = await rest("/streams/orders", {
      method: "PATCH",
      body: { retention_policy: { age: 3600 }, timestamping: null },
    });
    expect(await patched.json()).toMatchObject({
      retention_policy: { age: 3600 },
      timestamping: { mode: "client-prefer" },
    });
    expect((await rest("/streams/orders", { method: "DELETE" })).status).toBe(202);
  });

  it("appends and reads JSON in raw and base64 formats, with 412 and 416 bodies", async () => {
    const appended = await rest("/streams/s/records", {
      method: "POST",
      body: { records: [{ body: "a" }, { headers: [["k", "v"]], body: "b" }], match_seq_num: 0 },
    });
    expect(appended.status).toBe(200);
    const ack = await appended.json();
    expect(ack.start.seq_num).toBe(0);
    expect(ack.end.seq_num).toBe(2);
    expect(ack.tail.seq_num).toBe(2);
    const mismatch = await rest("/streams/s/records", {
      method: "POST",
      body: { records: [{ body: "c" }], match_seq_num: 0 },
    });
    expect(mismatch.status).toBe(412);
    expect(await mismatch.json()).toEqual({ seq_num_mismatch: 2 });
    await rest("/streams/s/records", {
      method: "POST",
      body: { records: [{ headers: [["", "fence"]], body: "tok-1" }] },
    });
    const fenced = await rest("/streams/s/records", {
      method: "POST",
      body: { records: [{ body: "x" }], fencing_token: "other" },
    });
    expect(fenced.status).toBe(412);
    expect(await fenced.json()).toEqual({ fencing_token_mismatch: "tok-1" });

    const read = await (await rest("/streams/s/records?seq_num=0&count=10")).json();
    expect(read.records.map((record: { body?: string }) => record.body)).toEqual([
      "a",
      "b",
      "tok-1",
    ]);
    expect(read.records[0].headers).toBeUndefined();
    expect(read.records[1].headers).toEqual([["k", "v"]]);
    const base64 = await (
      await rest("/streams/s/records?seq_num=0&count=1", { headers: { "s2-format": "base64" } })
    ).json();
    expect(base64.records[0].body).toBe("YQ==");
    const beyond = await rest("/streams/s/records?seq_num=99");
    expect(beyond.status).toBe(416);
    expect((await beyond.json()).tail.seq_num).toBe(3);
    expect((await rest("/streams/s/records?seq_num=3")).status).toBe(416);
    const tail = await (await rest("/streams/s/records/tail")).json();
    expect(tail.tail.seq_num).toBe(3);
  });

  it("answers protobuf appends and reads", async () => {
    const body = AppendInput.encode({
      records: [{ headers: [], body: Buffer.from([0, 1, 2]) }],
    }).finish();
    const response = await rest("/streams/s/records", {
      method: "POST",
      body,
      headers: { "content-type": "application/protobuf", accept: "application/protobuf" },
    });
    expect(response.status).toBe(200);
    const ack = AppendAck.decode(new Uint8Array(await response.arrayBuffer()));
    expect(ack.start?.seqNum).toBe(0n);
    expect(ack.end?.seqNum).toBe(1n);
    const read = await rest("/streams/s/records?seq_num=0", {
      headers: { accept: "application/protobuf" },
    });
    const batch = ReadBatch.decode(new Uint8Array(await read.arrayBuffer()));
    expect([...batch.records[0]!.body]).toEqual([0, 1, 2]);
  });

  it("rejects bad input with S2's codes and changes nothing", async () => {
    const noBasin = await fetch(`${base}/v1/streams`);
    await expectError(noBasin, 400, "bad_header");
    await expectError(
      await rest("/streams", { headers: { "s2-basin": "missing-basin" } }),
      404,
      "basin_not_found",
    );
    await expectError(await rest("/streams/nope/records/tail"), 404, "stream_not_found");
    const records = "/streams/s/records";
    await expectError(
      await rest(records, { method: "POST", body: new TextEncoder().encode("{not json") }),
      400,
      "bad_json",
    );
    await expectError(
      await rest(records, {
        method: "POST",
        body: new TextEncoder().encode("{not json"),
        headers: { "content-type": "application/json" },
      }),
      400,
      "bad_json",
    );
    await expectError(
      await rest(records, { method: "POST", body: { records: [{ body: 5 }] } }),
      400,
      "bad_json",
    );
    await expectError(
      await rest(records, {
        method: "POST",
        body: Uint8Array.of(0x0a, 0xff),
        headers: { "content-type": "application/protobuf" },
      }),
      400,
      "bad_proto",
    );
    await expectError(
      await rest(records, { method: "POST", body: { records: [] } }),
      422,
      "invalid",
    );
    await expectError(
      await rest(records, {
        method: "POST",
        body: { records: [{ body: "x" }] },
        headers: { "s2-format": "hex" },
      }),
      400,
      "bad_header",
    );
    await expectError(await rest(`${records}?seq_num=abc`), 400, "bad_query");
    await expectError(await rest(`${records}?seq_num=1&timestamp=2`), 422, "invalid");
    await expectError(
      await rest("/basins", { method: "POST", body: { basin: "Bad_Name" } }),
      422,
      "invalid",
    );
    const tail = await (await rest("/streams/s/records/tail")).json();
    expect(tail.tail.seq_num).toBe(0);
  });

  it("turns injected faults into S2's HTTP errors", async () => {
    emulator.faults.add("ListBasins:UNAVAILABLE:times=1");
    await expectError(await rest("/basins"), 503, "unavailable");
    emulator.faults.add("CheckTail:RESOURCE_EXHAUSTED:times=1:retry-after-ms=50");
    const limited = await rest("/streams/s/records/tail");
    expect(limited.headers.get("retry-after-ms")).toBe("50");
    await expectError(limited, 429, "rate_limited");
    emulator.faults.add("Append:INTERNAL:times=1");
    await expectError(
      await rest("/streams/s/records", { method: "POST", body: { records: [{ body: "x" }] } }),
      500,
      "storage",
    );
    emulator.faults.add("Append:drop-ack:times=1");
    await expectError(
      await rest("/streams/s/records", { method: "POST", body: { records: [{ body: "x" }] } }),
      503,
      "unavailable",
    );
    // The dropped acknowledgement's append was applied.
    expect((await (await rest("/streams/s/records/tail")).json()).tail.seq_num).toBe(1);
    expect(emulator.calls.Append).toBe(2);
  });

  it("serves locations and refuses metrics with 501", async () => {
    expect(await (await rest("/locations")).json()).toEqual([{ name: "local", is_private: true }]);
    await expectError(await rest("/metrics?set=account-ops"), 501, "not_implemented");
  });

  it("authenticates bearer tokens when a root token is set", async () => {
    const secured = await startEmulator({ rootToken: "root-secret" });
    try {
      const url = `${secured.restEndpoint}/v1/basins`;
      const denied = await fetch(url, { headers: { authorization: "Bearer wrong" } });
      expect(denied.status).toBe(401);
      const body = await denied.text();
      expect(JSON.parse(body).code).toBe("authn");
      expect(body).not.toContain("wrong");
      const allowed = await fetch(url, { headers: { authorization: "Bearer root-secret" } });
      expect(allowed.status).toBe(200);
    } finally {
      await secured.close();
    }
  });
});

describe("addressing, headers and long polls", () => {
  it("takes the basin from the host <basin>.<suffix> when s2-basin is absent", async () => {
    const body = await new Promise<string>((resolve, reject) => {
      const request = http.request(
        `${base}/v1/streams`,
        { headers: { host: `${BASIN}.b.localhost` } },
        (response) => {
          let text = "";
          response.on("data", (chunk: Buffer) => (text += chunk.toString()));
          response.on("end", () => resolve(text));
        },
      );
      request.on("error", reject);
      request.end();
    });
    expect(JSON.parse(body).streams.map((stream: { name: string }) => stream.name)).toEqual(["s"]);
  });

  it("rejects bad header values with bad_header", async () => {
    await expectError(
      await rest("/streams", {
        method: "POST",
        body: { stream: "t" },
        headers: { "s2-request-token": "x".repeat(37) },
      }),
      400,
      "bad_header",
    );
    await expectError(
      await rest("/streams/s/records?seq_num=0", {
        headers: { accept: "text/event-stream", "last-event-id": "nope" },
      }),
      400,
      "bad_header",
    );
    expect((await (await rest("/streams")).json()).streams).toHaveLength(1);
  });

  it("long-polls a unary read at the tail with wait", async () => {
    const reading = rest("/streams/s/records?seq_num=0&wait=20");
    await rest("/streams/s/records", { method: "POST", body: { records: [{ body: "late" }] } });
    const batch = await (await reading).json();
    expect(batch.records.map((record: { body: string }) => record.body)).toEqual(["late"]);
  });
});

describe("SSE reads", () => {
  it("sends a ping with the tail once caught up", async () => {
    const response = await rest("/streams/s/records?seq_num=0", {
      headers: { accept: "text/event-stream" },
    });
    const reader = response.body!.getReader();
    let text = "";
    while (!text.includes("\n\n")) {
      const { value } = await reader.read();
      text += new TextDecoder().decode(value);
    }
    await reader.cancel();
    expect(text).toMatch(
      /^event: ping\ndata: \{"timestamp":\d+,"tail":\{"seq_num":0,"timestamp":0\}\}\n\n/,
    );
  });

  it("sends batch events with resumable ids, and [DONE]", async () => {
    await rest("/streams/s/records", {
      method: "POST",
      body: { records: [{ body: "a" }, { body: "b" }, { body: "c" }] },
    });
    const response = await rest("/streams/s/records?seq_num=0&count=2", {
      headers: { accept: "text/event-stream" },
    });
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const text = await response.text();
    expect(text).toBe(
      'event: batch\nid: 1,2,18\ndata: {"records":[{"seq_num":0,"timestamp":' +
        text.match(/"timestamp":(\d+)/)![1] +
        ',"body":"a"},{"seq_num":1,"timestamp":' +
        text.match(/"seq_num":1,"timestamp":(\d+)/)![1] +
        ',"body":"b"}]}\n\ndata: [DONE]\n\n',
    );
    const resumed = await rest("/streams/s/records?seq_num=0&count=3", {
      headers: { accept: "text/event-stream", "last-event-id": "1,2,18" },
    });
    const resumedText = await resumed.text();
    expect(resumedText).toContain("id: 2,3,27\n");
    expect(resumedText).toContain('"body":"c"');
  });

  it("answers errors found before streaming as plain HTTP errors", async () => {
    const response = await rest("/streams/s/records?seq_num=5", {
      headers: { accept: "text/event-stream" },
    });
    expect(response.status).toBe(416);
  });
});

interface H2Result {
  readonly status: number;
  readonly headers: http2.IncomingHttpHeaders;
  readonly frames: S2sFrame[];
  readonly error?: unknown;
}

/** One HTTP/2 request over h2c; `frames` are the s2s frames of the response. */
function h2(
  path: string,
  method: string,
  body: Uint8Array[] = [],
  headers: Record<string, string> = {},
  untilFrames = Number.POSITIVE_INFINITY,
  onFrame: (count: number) => void = () => {},
): Promise<H2Result> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(base);
    session.on("error", reject);
    const request = session.request({
      ":method": method,
      ":path": `/v1${path}`,
      "content-type": "s2s/proto",
      "s2-basin": BASIN,
      ...headers,
    });
    const decoder = new S2sFrameDecoder();
    const frames: S2sFrame[] = [];
    let status = 0;
    let responseHeaders: http2.IncomingHttpHeaders = {};
    const done = (error?: unknown) => {
      request.close();
      session.close();
      resolve({ status, headers: responseHeaders, frames, error });
    };
    request.on("response", (received) => {
      responseHeaders = received;
      status = Number(received[":status"]);
    });
    request.on("data", (chunk: Buffer) => {
      if (status !== 200) return;
      try {
        for (const frame of decoder.push(chunk)) {
          frames.push(frame);
          onFrame(frames.length);
        }
      } catch (error) {
        done(error);
        return;
      }
      if (frames.length >= untilFrames) done();
    });
    request.on("end", () => done());
    request.on("error", (error) => done(error));
    for (const chunk of body) request.write(chunk);
    request.end();
  });
}

function input(bodies: string[], matchSeqNum?: bigint): Uint8Array {
  return encodeS2sMessage(
    AppendInput.encode({
      records: bodies.map((body) => ({ headers: [], body: Buffer.from(body) })),
      matchSeqNum,
    }).finish(),
  );
}

function payload(frame: S2sFrame | undefined): Uint8Array {
  if (frame?.kind !== "message") throw new Error(`expected a message frame, got ${frame?.kind}`);
  return frame.payload;
}

describe("HTTP/2 (h2c) and s2s sessions", () => {
  it("serves unary JSON over h2c on the same port", async () => {
    const result = await new Promise<string>((resolve, reject) => {
      const session = http2.connect(base);
      session.on("error", reject);
      const request = session.request({ ":path": "/v1/basins" });
      let text = "";
      request.on("data", (chunk: Buffer) => (text += chunk.toString()));
      request.on("end", () => {
        session.close();
        resolve(text);
      });
    });
    expect(JSON.parse(result).basins.map((basin: { name: string }) => basin.name)).toEqual([BASIN]);
  });

  it("acknowledges pipelined appends in order and ends on the client's end", async () => {
    const result = await h2("/streams/s/records", "POST", [input(["a"]), input(["b", "c"])]);
    expect(result.status).toBe(200);
    expect(result.headers["content-type"]).toBe("s2s/proto");
    expect(result.frames).toHaveLength(2);
    const acks = result.frames.map((frame) => AppendAck.decode(payload(frame)));
    expect(acks.map((ack) => [ack.start?.seqNum, ack.end?.seqNum])).toEqual([
      [0n, 1n],
      [1n, 3n],
    ]);
  });

  it("ends with a terminal 412 frame and applies nothing after it", async () => {
    const result = await h2("/streams/s/records", "POST", [
      input(["a"]),
      input(["b"], 0n),
      input(["c"]),
    ]);
    expect(result.frames).toHaveLength(2);
    expect(result.frames[1]).toMatchObject({
      kind: "terminal",
      status: 412,
      json: { seq_num_mismatch: 1 },
    });
    const tail = await (await rest("/streams/s/records/tail")).json();
    expect(tail.tail.seq_num).toBe(1);
  });

  it.each([
    ["a zero length", Uint8Array.of(0, 0, 0)],
    ["a length over 2 MiB", Uint8Array.of(0x20, 0, 1, 0)],
    ["reserved flag bits", Uint8Array.of(0, 0, 1, 0x03)],
    ["a terminal frame", Uint8Array.of(0, 0, 3, 0x80, 1, 0xf4)],
    ["a body that is not an AppendInput", Uint8Array.of(0, 0, 3, 0, 0x0a, 0xff)],
  ])("answers %s with a terminal 400 and keeps serving", async (_name, frame) => {
    const result = await h2("/streams/s/records", "POST", [frame]);
    expect(result.frames).toHaveLength(1);
    const terminal = result.frames[0]!;
    expect(terminal.kind).toBe("terminal");
    expect(terminal.kind === "terminal" && terminal.status).toBe(400);
    expect(terminal.kind === "terminal" && (terminal.json as { code: string }).code).toMatch(
      /^bad_(frame|proto)$/,
    );
    const tail = await (await rest("/streams/s/records/tail")).json();
    expect(tail.tail.seq_num).toBe(0);
  });

  it("streams a read session: catch-up batch, heartbeat, live batch with the tail", async () => {
    await rest("/streams/s/records", { method: "POST", body: { records: [{ body: "a" }] } });
    // The live record is appended once the session has caught up (after its heartbeat).
    const result = await h2("/streams/s/records?seq_num=0", "GET", [], {}, 3, (count) => {
      if (count === 2) {
        rest("/streams/s/records", { method: "POST", body: { records: [{ body: "b" }] } });
      }
    });
    const batches = result.frames.map((frame) => ReadBatch.decode(payload(frame)));
    expect(batches[0]!.records.map((record) => Buffer.from(record.body).toString())).toEqual(["a"]);
    expect(batches[1]).toEqual({
      records: [],
      tail: { seqNum: 1n, timestamp: expect.any(BigInt) },
    });
    expect(batches[2]!.records.map((record) => Buffer.from(record.body).toString())).toEqual(["b"]);
    expect(batches[2]!.tail?.seqNum).toBe(2n);
  });

  it("compresses large frames with gzip when the client accepts it", async () => {
    const big = "x".repeat(4096);
    await rest("/streams/s/records", { method: "POST", body: { records: [{ body: big }] } });
    const result = await h2("/streams/s/records?seq_num=0&count=1", "GET", [], {
      "accept-encoding": "gzip",
    });
    expect(result.frames).toHaveLength(1);
    expect(result.frames[0]).toMatchObject({ kind: "message", compression: "gzip" });
    const batch = ReadBatch.decode(payload(result.frames[0]));
    expect(Buffer.from(batch.records[0]!.body).toString()).toBe(big);
  });

  it("ends an open read session with a terminal 503 when the emulator shuts down", async () => {
    const result = await h2("/streams/s/records?seq_num=0", "GET", [], {}, 2, (count) => {
      if (count === 1) emulator.close();
    });
    expect(result.frames[0]).toMatchObject({ kind: "message" });
    expect(result.frames[1]).toMatchObject({ kind: "terminal", status: 503 });
  });

  it("answers errors before the session as plain HTTP errors", async () => {
    expect((await h2("/streams/s/records?seq_num=9", "GET")).status).toBe(416);
    expect((await h2("/streams/none/records", "POST", [input(["a"])])).status).toBe(404);
  });
});
