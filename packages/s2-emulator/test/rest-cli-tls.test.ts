import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "../src/index.js";

// The official SDK against the REST port of an emulator started from startEmulator() and from the
// command line, with and without TLS. The SDK runs in a child process: NODE_EXTRA_CA_CERTS, read
// at start-up, is how it comes to trust the emulator's self-signed certificate on Node 20.

const PACKAGE = [join("packages", "s2-emulator"), "."]
  .map((path) => resolve(path))
  .find((path) => existsSync(join(path, "bin", "s2-emulator.js")))!;
const DRIVER = join(PACKAGE, "test", "fixtures", "sdk-driver.mjs");
const run = promisify(execFile);

const EXPECTED = {
  sessionAck: 1,
  read: ["unary", "session"],
  tail: 2,
  s2s: ["unary", "session"],
  sse: ["unary", "session"],
};

async function drive(endpoint: string, caPath?: string): Promise<unknown> {
  const env = { ...process.env };
  if (caPath !== undefined) env.NODE_EXTRA_CA_CERTS = caPath;
  const { stdout } = await run(process.execPath, [DRIVER, endpoint], { env, timeout: 25_000 });
  return JSON.parse(stdout);
}

let child: ChildProcess | undefined;
afterEach(() => {
  if (child !== undefined && child.exitCode === null && child.signalCode === null) {
    child.kill("SIGTERM");
  }
  child = undefined;
});

/** Starts the command line and resolves with its first two lines. */
function launch(args: string[]): Promise<{ grpc: string; rest: string; cert?: string }> {
  const launched = spawn(process.execPath, [join(PACKAGE, "bin", "s2-emulator.js"), ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  child = launched;
  return new Promise((resolvePromise, reject) => {
    let output = "";
    launched.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match =
        /^listening on (127\.0\.0\.1:\d+)\nrest listening on (https?:\/\/127\.0\.0\.1:\d+)\n(?:tls certificate: (.+)\n)?/.exec(
          output,
        );
      const wantsCert = args.includes("--tls-self-signed");
      if (match && (!wantsCert || match[3] !== undefined)) {
        resolvePromise({ grpc: match[1]!, rest: match[2]!, cert: match[3] });
      }
    });
    launched.on("exit", (code) => reject(new Error(`exited with ${code}: ${output}`)));
  });
}

describe("official SDK over plain and TLS REST ports", () => {
  it("from startEmulator(), plaintext", async () => {
    const emulator = await startEmulator();
    try {
      expect(emulator.restEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(await drive(emulator.restEndpoint)).toEqual(EXPECTED);
    } finally {
      await emulator.close();
    }
  });

  it("from startEmulator(), TLS with a self-signed certificate", async () => {
    const emulator = await startEmulator({ tls: { selfSigned: true } });
    try {
      expect(emulator.restEndpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(await drive(emulator.restEndpoint, emulator.caCertificatePath)).toEqual(EXPECTED);
    } finally {
      await emulator.close();
    }
  });

  it("from the command line, plaintext, with both ports chosen freely", async () => {
    const { grpc, rest } = await launch(["--port", "0", "--rest-port", "0"]);
    expect(rest).not.toBe(`http://${grpc}`);
    expect(await drive(rest)).toEqual(EXPECTED);
  });

  it("from the command line, TLS", async () => {
    const { rest, cert } = await launch(["--port", "0", "--tls-self-signed"]);
    expect(rest).toMatch(/^https:/);
    expect(await drive(rest, cert)).toEqual(EXPECTED);
  });
});
