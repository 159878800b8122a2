import { readFileSync } from "node:fs";
import { credentials, type ServiceError, status } from "@grpc/grpc-js";
import {
  type AppendSessionResponse,
  type ReadSessionResponse,
  StreamServiceClient,
} from "@retrykit/s2-proto";
import { afterEach, describe, expect, it } from "vitest";
import { parseFault, startEmulator } from "../src/index.js";
import {
  call,
  codeOf,
  collectSession,
  failure,
  type Harness,
  harness,
  meta,
  records,
} from "./helpers.js";

let h: Harness;
afterEach(() => h?.close());

const B = "fault-basin";
async function setup(options: Parameters<typeof harness>[0] = {}) {
  h = await harness(options);
  await call(
    h.account.createBasin,
    h.account,
    { basin: B, scope: 0, config: { createStreamOnAppend: true, createStreamOnRead: true } },
    meta(),
  );
}
const append = (stream = "s") =>
  call(h.streams.append, h.streams, { input: { stream, records: records("x") } }, meta(B));

describe("parseFault", () => {
  it("parses the documented forms", () => {
    expect(parseFault("Append:UNAVAILABLE:every=5")).toMatchObject({
      rpc: "Append",
      kind: "status",
      code: status.UNAVAILABLE,
      every: 5,
    });
    expect(parseFault("Append:RESOURCE_EXHAUSTED:p=0.2:retry-after-ms=50")).toMatchObject({
      probability: 0.2,
      trailers: { "retry-after-ms": "50" },
    });
    expect(parseFault("ReadSession:break-after=100")).toMatchObject({
      kind: "break",
      afterMessages: 100,
    });
    expect(parseFault("AppendSession:drop-ack:p=0.01")).toMatchObject({
      kind: "drop-ack",
      probability: 0.01,
    });
    expect(parseFault("*:latency=20ms")).toMatchObject({ rpc: "*", kind: "latency", ms: 20 });
    expect(parseFault("*:latency=1s:times=2")).toMatchObject({ ms: 1000, times: 2 });
  });

  it("names the bad part", () => {
    expect(() => parseFault("Nope:UNAVAILABLE")).toThrow(/rpc/);
    expect(() => parseFault("Append:SOMETIMES")).toThrow(/action/);
    expect(() => parseFault("Append:UNAVAILABLE:every=0")).toThrow(/every/);
    expect(() => parseFault("Append:UNAVAILABLE:p=2")).toThrow(/probability/);
    expect(() => parseFault("Append:UNAVAILABLE:color=red")).toThrow(/color/);
  });
});

describe("fault injection", () => {
  it("fails every Nth call with a status and counts calls", async () => {
    await setup({ faults: ["Append:UNAVAILABLE:every=3"] });
    const codes: number[] = [];
    for (let i = 0; i < 6; i++)
      codes.push(
        await append().then(
          () => 0,
          (e: ServiceError) => e.code,
        ),
      );
    expect(codes).toEqual([0, 0, status.UNAVAILABLE, 0, 0, status.UNAVAILABLE]);
    expect(h.emulator.calls.Append).toBe(6);
    expect(h.emulator.faults.injected).toBe(2);
    const tail = await call(h.streams.checkTail, h.streams, { stream: "s" }, meta(B));
    expect(tail.nextSeqNum).toBe(4n); // failed calls had no effect
    h.emulator.resetCalls();
    expect(h.emulator.calls.Append).toBe(0);
  });

  it("throttles with RESOURCE_EXHAUSTED and a retry-after-ms trailer", async () => {
    await setup();
    h.emulator.faults.add({
      rpc: "CheckTail",
      kind: "status",
      code: status.RESOURCE_EXHAUSTED,
      trailers: { "retry-after-ms": "25" },
      times: 1,
    });
    const error = await failure(call(h.streams.checkTail, h.streams, { stream: "s" }, meta(B)));
    expect(error.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(error.metadata.get("retry-after-ms")).toEqual(["25"]);
    await call(h.streams.checkTail, h.streams, { stream: "s" }, meta(B));
  });

  it("is reproducible with a seed", async () => {
    const outcomes: number[][] = [];
    for (let run = 0; run < 2; run++) {
      await setup({ seed: 42, faults: ["Append:UNAVAILABLE:p=0.5"] });
      const codes: number[] = [];
      for (let i = 0; i < 12; i++)
        codes.push(
          await append().then(
            () => 0,
            (e: ServiceError) => e.code,
          ),
        );
      outcomes.push(codes);
      await h.close();
    }
    expect(outcomes[0]).toEqual(outcomes[1]);
    expect(outcomes[0]).toContain(status.UNAVAILABLE);
    expect(outcomes[0]).toContain(0);
  });

  it("adds latency", async () => {
    await setup({ faults: ["CheckTail:latency=150ms"] });
    const started = performance.now();
    await call(h.streams.checkTail, h.streams, { stream: "s" }, meta(B));
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(h.emulator.faults.injectedByKind.latency).toBe(1);
  });

  it("delays only the calls the latency rule fires for, sessions included", async () => {
    // Real time with wide margins: a 400 ms delay against calls that take a few ms.
    await setup({ faults: ["ReadSession:latency=400ms:times=1"] });
    await append();
    const firstMessage = async () => {
      const started = performance.now();
      const messages = await collectSession(
        h.streams,
        { stream: "s", heartbeats: false, clamp: false, limit: { count: 1n } },
        meta(B),
      );
      expect(messages).toHaveLength(1);
      return performance.now() - started;
    };
    expect(await firstMessage()).toBeGreaterThanOrEqual(380);
    expect(await firstMessage()).toBeLessThan(300);
    expect(h.emulator.faults.injectedByKind.latency).toBe(1);
    const started = performance.now();
    await append();
    expect(performance.now() - started).toBeLessThan(300);
  });

  it("applies an append but drops its acknowledgement", async () => {
    await setup({ faults: ["Append:drop-ack:times=1"] });
    expect(await codeOf(append())).toBe(status.UNAVAILABLE);
    const tail = await call(h.streams.checkTail, h.streams, { stream: "s" }, meta(B));
    expect(tail.nextSeqNum).toBe(1n);
    h.emulator.faults.clear();
    h.emulator.faults.add("AppendSession:drop-ack:every=2");
    const session = h.streams.appendSession(meta(B));
    const acks: AppendSessionResponse[] = [];
    session.on("data", (m: AppendSessionResponse) => acks.push(m));
    const ended = new Promise<ServiceError>((resolve) => session.on("error", resolve));
    for (let i = 0; i < 3; i++) session.write({ input: { stream: "s", records: records("y") } });
    session.end();
    expect((await ended).code).toBe(status.UNAVAILABLE);
    expect(acks).toHaveLength(1);
    const after = await call(h.streams.checkTail, h.streams, { stream: "s" }, meta(B));
    expect(after.nextSeqNum).toBe(3n); // the second batch was applied, the third never
  });

  it("breaks a read session after N messages", async () => {
    await setup({ faults: ["ReadSession:break-after=2"] });
    for (let i = 0; i < 3; i++) await append();
    const session = h.streams.readSession(
      {
        stream: "s",
        heartbeats: false,
        clamp: false,
        limit: { count: 1n },
        start: { $case: "seqNum", seqNum: 0n },
      },
      meta(B),
    );
    session.on("data", () => {});
    await new Promise<void>((resolve) => session.on("end", resolve));
    // A session with no limit gets two batches' worth of messages, then UNAVAILABLE.
    const messages: ReadSessionResponse[] = [];
    const live = h.streams.readSession({ stream: "s", heartbeats: true, clamp: false }, meta(B));
    live.on("data", (m: ReadSessionResponse) => messages.push(m));
    const error = await new Promise<ServiceError>((resolve) => live.on("error", resolve));
    expect(error.code).toBe(status.UNAVAILABLE);
    expect(messages).toHaveLength(2); // one batch, then the heartbeat at the switch to live
    // The first session ended at its limit before the break was due: only the second counts.
    expect(h.emulator.faults.injectedByKind.break).toBe(1);
    expect(h.emulator.faults.rules[0]).toMatchObject({ matched: 2, injected: 1 });
  });
});

describe("fault accounting", () => {
  /** Opens an append session, sends `count` inputs, ends it; resolves with acks and the status. */
  async function appendSession(count: number) {
    const session = h.streams.appendSession(meta(B));
    const acks: AppendSessionResponse[] = [];
    session.on("data", (m: AppendSessionResponse) => acks.push(m));
    const ended = new Promise<number>((resolve) => {
      session.on("error", (error: ServiceError) => resolve(error.code));
      session.on("end", () => resolve(status.OK));
    });
    for (let i = 0; i < count; i++)
      session.write({ input: { stream: "s", records: records("z") } });
    session.end();
    return { code: await ended, acks: acks.length };
  }

  it("does not count a break when the session fails on a status fault first", async () => {
    await setup({ faults: ["AppendSession:UNAVAILABLE:times=1", "AppendSession:break-after=1"] });
    expect(await appendSession(2)).toEqual({ code: status.UNAVAILABLE, acks: 0 });
    const { faults } = h.emulator;
    expect(faults.injectedByKind).toMatchObject({ status: 1, break: 0 });
    expect(faults.rules[1]).toMatchObject({ matched: 1, injected: 0 });
    expect(await appendSession(2)).toEqual({ code: status.UNAVAILABLE, acks: 1 });
    expect(faults.injectedByKind).toMatchObject({ status: 1, break: 1 });
    expect(faults.injected).toBe(2);
    expect(faults.rules[1]).toMatchObject({ matched: 2, injected: 1 });
  });

  it("counts a break only when it happens, and keeps its place under times", async () => {
    await setup({ faults: ["AppendSession:break-after=2:times=1"] });
    // Ends after one input, before the break is due.
    expect(await appendSession(1)).toEqual({ code: status.OK, acks: 1 });
    expect(h.emulator.faults.injected).toBe(0);
    // The unused break is still available to the next session.
    expect(await appendSession(3)).toEqual({ code: status.UNAVAILABLE, acks: 2 });
    expect(h.emulator.faults.injectedByKind.break).toBe(1);
    // times=1 is used up.
    expect(await appendSession(3)).toEqual({ code: status.OK, acks: 3 });
    expect(h.emulator.faults.injected).toBe(1);
  });

  it("counts the latency but not the status when the caller gives up during the latency", async () => {
    await setup({ faults: ["CheckTail:latency=5s", "CheckTail:INTERNAL"] });
    const code = await new Promise<number>((resolve) => {
      h.streams.checkTail({ stream: "s" }, meta(B), { deadline: Date.now() + 100 }, (error) =>
        resolve(error?.code ?? status.OK),
      );
    });
    expect(code).toBe(status.DEADLINE_EXCEEDED);
    // Closing waits for the call's handler to finish.
    await h.close();
    expect(h.emulator.calls.CheckTail).toBe(1);
    expect(h.emulator.faults.injectedByKind).toMatchObject({ latency: 1, status: 0 });
    expect(h.emulator.faults.rules.map((rule) => rule.injected)).toEqual([1, 0]);
  });

  it("does not let a break rule for all RPCs see unary calls", async () => {
    await setup({ faults: ["*:break-after=0"] });
    await append();
    expect(h.emulator.faults.rules[0]).toMatchObject({ matched: 0, injected: 0 });
  });
});

describe("TLS", () => {
  it("serves TLS with a self-signed certificate clients can trust, basin from the authority", async () => {
    const emulator = await startEmulator({ tls: { selfSigned: true } });
    try {
      expect(emulator.caCertificatePath).toBeDefined();
      const pem = readFileSync(emulator.caCertificatePath!);
      const client = new StreamServiceClient(emulator.endpoint, credentials.createSsl(pem), {
        "grpc.default_authority": `no-such-basin.b.localhost:${emulator.port}`,
        // A host name, not the IP address of the target, as the TLS server name (RFC 6066).
        "grpc.ssl_target_name_override": "no-such-basin.b.localhost",
      });
      const error = await failure(call(client.checkTail, client, { stream: "s" }, meta()));
      expect(error.code).toBe(status.NOT_FOUND);
      expect(error.details).toContain("no-such-basin");
      client.close();
    } finally {
      await emulator.close();
    }
  });
});
