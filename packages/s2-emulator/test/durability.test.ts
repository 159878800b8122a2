import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { credentials } from "@grpc/grpc-js";
import { AccountServiceClient, StreamServiceClient } from "@retrykit/s2-proto";
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

let dir: string | undefined;
afterEach(() => {
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
});
