import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { credentials, type ServiceError, status } from "@grpc/grpc-js";
import { AccountServiceClient, BasinServiceClient, StreamServiceClient } from "@retrykit/s2-proto";
import { afterEach, describe, expect, it } from "vitest";
import { call, meta, records } from "./helpers.js";

// Tests run from the repository root (or from this package's directory).
const CLI = [join("packages", "s2-emulator", "src", "cli.ts"), join("src", "cli.ts")]
  .map((path) => resolve(path))
  .find((path) => existsSync(path))!;

/** Starts the CLI in a child process and resolves with it and its endpoint. */
function startCli(dataDir: string): Promise<{ child: ChildProcess; endpoint: string }> {
  const child = spawn(
    process.execPath,
    ["--conditions=@retrykit/source", "--import", "tsx", CLI, "--port", "0", "--data-dir", dataDir],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  running.add(child);
  child.once("exit", () => running.delete(child));
  return new Promise((resolve, reject) => {
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /^listening on (\S+)\n/.exec(output);
      if (match) resolve({ child, endpoint: match[1]! });
    });
    child.on("exit", (code) => reject(new Error(`emulator exited with ${code}: ${output}`)));
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

/** Where one record was appended. */
interface Target {
  readonly basin: string;
  readonly stream: string;
  readonly body: string;
}

const running = new Set<ChildProcess>();
let dir: string | undefined;
afterEach(() => {
  // A test that failed half-way must not leave a server behind.
  for (const child of running) child.kill("SIGKILL");
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe("durability", () => {
  it("keeps acknowledged appends across kill -9 and drops a torn tail", async () => {
    dir = mkdtempSync(join(tmpdir(), "s2-emulator-test-"));
    const first = await startCli(dir);
    let account = new AccountServiceClient(first.endpoint, credentials.createInsecure());
    let streams = new StreamServiceClient(first.endpoint, credentials.createInsecure());
    await call(
      account.createBasin,
      account,
      {
        basin: "durable-basin",
        scope: 0,
        config: { createStreamOnAppend: true, createStreamOnRead: false },
      },
      meta(),
    );
    const fence = {
      headers: [{ name: Buffer.alloc(0), value: Buffer.from("fence") }],
      body: Buffer.from("w1"),
    };
    await call(
      streams.append,
      streams,
      { input: { stream: "log", records: [fence] } },
      meta("durable-basin"),
    );
    for (let i = 0; i < 20; i++) {
      await call(
        streams.append,
        streams,
        { input: { stream: "log", records: records(`a${i}`, `b${i}`) } },
        meta("durable-basin"),
      );
    }
    account.close();
    streams.close();
    const killed = exited(first.child);
    first.child.kill("SIGKILL");
    await killed;

    // A crash in the middle of a write leaves a partial frame at the end of the log.
    const logs = join(dir, "streams");
    const [log] = readdirSync(logs);
    appendFileSync(join(logs, log!), Buffer.from([0, 0, 1, 0, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3]));

    const second = await startCli(dir);
    account = new AccountServiceClient(second.endpoint, credentials.createInsecure());
    streams = new StreamServiceClient(second.endpoint, credentials.createInsecure());
    try {
      const tail = await call(streams.checkTail, streams, { stream: "log" }, meta("durable-basin"));
      expect(tail.nextSeqNum).toBe(41n);
      const read = await call(
        streams.read,
        streams,
        { stream: "log", clamp: false, start: { $case: "seqNum", seqNum: 1n } },
        meta("durable-basin"),
      );
      const bodies =
        read.output?.output?.$case === "batch"
          ? read.output.output.batch.records.map((r) => r.body.toString())
          : [];
      expect(bodies.slice(0, 4)).toEqual(["a0", "b0", "a1", "b1"]);
      expect(bodies).toHaveLength(40);
      // The fencing token was recovered from the log, and appends continue densely.
      const out = await call(
        streams.append,
        streams,
        {
          input: { stream: "log", records: records("after"), fencingToken: "w1", matchSeqNum: 41n },
        },
        meta("durable-basin"),
      );
      expect(out.output?.startSeqNum).toBe(41n);
      const basins = await call(
        account.listBasins,
        account,
        { prefix: "", startAfter: "" },
        meta(),
      );
      expect(basins.basins.map((b) => b.name)).toEqual(["durable-basin"]);
    } finally {
      account.close();
      streams.close();
      const stopped = exited(second.child);
      second.child.kill("SIGTERM");
      expect(await stopped).toBe(0);
    }
  });

  it("keeps appends acknowledged while their stream or basin is being created, across kill -9", async () => {
    dir = mkdtempSync(join(tmpdir(), "s2-emulator-test-"));
    const first = await startCli(dir);
    const firstAccount = new AccountServiceClient(first.endpoint, credentials.createInsecure());
    const firstBasins = new BasinServiceClient(first.endpoint, credentials.createInsecure());
    const firstStreams = new StreamServiceClient(first.endpoint, credentials.createInsecure());
    const createBasin = (basin: string, createStreamOnAppend: boolean) =>
      call(
        firstAccount.createBasin,
        firstAccount,
        { basin, scope: 0, config: { createStreamOnAppend, createStreamOnRead: false } },
        meta(),
      );
    await createBasin("race-explicit", false);
    await createBasin("race-on-append", true);
    const killed = exited(first.child);
    const alive = () => first.child.exitCode === null && first.child.signalCode === null;
    // Each kind of race, with what was acknowledged.
    const acked = {
      explicit: [] as Target[],
      onAppend: [] as Target[],
      newBasin: [] as Target[],
    };
    const settled: Promise<unknown>[] = [];
    const append = (kind: keyof typeof acked, target: Target): void => {
      let attempts = 0;
      const attempt = (): Promise<void> =>
        call(
          firstStreams.append,
          firstStreams,
          { input: { stream: target.stream, records: records(target.body) } },
          meta(target.basin),
        ).then(
          () => {
            acked[kind].push(target);
            // kill -9 once every kind has a few acknowledgements, with creations still in flight.
            if (Object.values(acked).every((list) => list.length >= 3)) first.child.kill("SIGKILL");
          },
          // Not created yet: try again at once (a bounded number of times) while the server lives.
          (error: ServiceError) =>
            error.code === status.NOT_FOUND && alive() && ++attempts < 1000 ? attempt() : undefined,
        );
      settled.push(attempt());
    };
    settled.push(createBasin("race-new-basin", true).catch(() => {}));
    for (let i = 0; i < 20; i++) {
      // An explicit creation racing appends to the same stream...
      settled.push(
        call(
          firstBasins.createStream,
          firstBasins,
          { stream: `made-${i}` },
          meta("race-explicit"),
        ).catch(() => {}),
      );
      append("explicit", { basin: "race-explicit", stream: `made-${i}`, body: `made-${i}-a` });
      append("explicit", { basin: "race-explicit", stream: `made-${i}`, body: `made-${i}-b` });
      // ...two appends racing to create a stream on append...
      append("onAppend", { basin: "race-on-append", stream: `auto-${i}`, body: `auto-${i}-a` });
      append("onAppend", { basin: "race-on-append", stream: `auto-${i}`, body: `auto-${i}-b` });
      // ...and appends to a basin that is being created.
      append("newBasin", { basin: "race-new-basin", stream: `late-${i}`, body: `late-${i}-a` });
    }
    await Promise.all(settled);
    if (alive()) first.child.kill("SIGKILL");
    await killed;
    firstAccount.close();
    firstBasins.close();
    firstStreams.close();
    for (const list of Object.values(acked)) expect(list.length).toBeGreaterThanOrEqual(3);

    const second = await startCli(dir);
    const streams = new StreamServiceClient(second.endpoint, credentials.createInsecure());
    try {
      const missing: string[] = [];
      for (const { basin, stream, body } of Object.values(acked).flat()) {
        const read = await call(
          streams.read,
          streams,
          { stream, clamp: false, start: { $case: "seqNum", seqNum: 0n } },
          meta(basin),
        ).catch((error: unknown) => error as Error);
        const bodies =
          !(read instanceof Error) && read.output?.output?.$case === "batch"
            ? read.output.output.batch.records.map((r) => r.body.toString())
            : [];
        if (!bodies.includes(body)) missing.push(`${basin}/${stream}/${body}`);
      }
      expect(missing).toEqual([]);
    } finally {
      streams.close();
      const stopped = exited(second.child);
      second.child.kill("SIGTERM");
      expect(await stopped).toBe(0);
    }
  });
});
