import { type ChildProcess, spawn } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { credentials } from "@grpc/grpc-js";
import { AccountServiceClient } from "@retrykit/s2-proto";
import { afterEach, describe, expect, it } from "vitest";
import { call, meta } from "./helpers.js";
import { LOCALHOST_NAME, type TlsFixture, tlsFixture } from "./tls-fixture.js";

// Tests run from the repository root (or from this package's directory).
const PACKAGE = [join("packages", "s2-emulator"), "."]
  .map((path) => resolve(path))
  .find((path) => existsSync(join(path, "bin", "s2-emulator.js")))!;

let dir: string | undefined;
let fixture: TlsFixture | undefined;
let child: ChildProcess | undefined;
let group: number | undefined;
afterEach(() => {
  if (child !== undefined && child.exitCode === null && child.signalCode === null) {
    child.kill("SIGTERM");
  }
  if (group !== undefined) {
    // Whatever is left of a launcher's process group (nothing, unless a test failed).
    try {
      process.kill(-group, "SIGKILL");
    } catch {}
  }
  child = undefined;
  group = undefined;
  for (const path of [dir, fixture?.dir]) {
    if (path !== undefined) rmSync(path, { recursive: true, force: true });
  }
  dir = undefined;
  fixture = undefined;
});

/** Resolves with the endpoint of the first output line, `listening on HOST:PORT`. */
function listening(process: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = "";
    process.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /^listening on (127\.0\.0\.1:\d+)\n/.exec(output);
      if (match) resolve(match[1]!);
    });
    process.on("exit", (code) =>
      reject(new Error(`exited with ${code} before listening: ${output}`)),
    );
  });
}

/** A copy of the package without dist/: the launcher beside a link to the real sources. */
function sourceOnlyPackage(): string {
  dir = mkdtempSync(join(tmpdir(), "s2-emulator-bin-"));
  mkdirSync(join(dir, "bin"));
  copyFileSync(join(PACKAGE, "bin", "s2-emulator.js"), join(dir, "bin", "s2-emulator.js"));
  symlinkSync(join(PACKAGE, "src"), join(dir, "src"), "dir");
  return dir;
}

/** Resolves with the error of a connection to `port` on 127.0.0.1 (`undefined` if it connects). */
function connectError(port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error));
  });
}

/** The processes of a process group, as `pid command line` (Linux: read from /proc). */
function processesInGroup(pgid: number): string[] {
  if (!existsSync("/proc/self/stat")) {
    try {
      process.kill(-pgid, 0);
      return [`some process in group ${pgid}`];
    } catch {
      return [];
    }
  }
  return readdirSync("/proc")
    .filter((pid) => /^\d+$/.test(pid))
    .flatMap((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        // After "pid (comm) ": state, ppid, pgrp.
        const [state, , group] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        if (group !== String(pgid) || state === "Z") return [];
        return [`${pid} ${readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ")}`];
      } catch {
        // Gone in the meantime.
        return [];
      }
    });
}

describe("bin/s2-emulator.js", () => {
  it("runs the server in its own process: kill -9 of the command frees the port", async () => {
    const packageDir = sourceOnlyPackage();
    const launched = spawn(
      process.execPath,
      [join(packageDir, "bin", "s2-emulator.js"), "--port", "0"],
      // Its own process group, so that anything it started can be found (and cleaned up).
      { stdio: ["ignore", "pipe", "inherit"], detached: true },
    );
    child = launched;
    group = launched.pid;
    const endpoint = await listening(launched);
    const port = Number(endpoint.split(":")[1]);
    expect(await connectError(port)).toBeUndefined();

    const exited = new Promise((resolve) => launched.once("exit", resolve));
    launched.kill("SIGKILL");
    await exited;
    // Nothing serves the port any more, and nothing is left in the command's process group.
    expect(processesInGroup(group!)).toEqual([]);
    expect((await connectError(port))?.code).toBe("ECONNREFUSED");
  });

  it("runs the TypeScript source when there is no build, with TLS from --tls-cert/--tls-key", async () => {
    const packageDir = sourceOnlyPackage();
    fixture = await tlsFixture();

    const launched = spawn(
      process.execPath,
      [
        join(packageDir, "bin", "s2-emulator.js"),
        "--port",
        "0",
        "--tls-cert",
        fixture.certPath,
        "--tls-key",
        fixture.keyPath,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    child = launched;
    const endpoint = await listening(launched);

    const account = new AccountServiceClient(
      endpoint,
      credentials.createSsl(Buffer.from(fixture.cert)),
      LOCALHOST_NAME,
    );
    try {
      const listed = await call(
        account.listBasins,
        account,
        { prefix: "", startAfter: "" },
        meta(),
      );
      expect(listed.basins).toEqual([]);
    } finally {
      account.close();
    }

    const exited = new Promise<number | null>((resolve) => launched.once("exit", resolve));
    launched.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
