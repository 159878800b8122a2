import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { AppendRecord, S2 } from "@retrykit/s2-client";
import { type Emulator, startEmulator } from "@retrykit/s2-emulator";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { COMMANDS } from "../packages/s2-client/src/cli/commands/index.js";

// The command line runs as a real subprocess against an emulator started here; the emulator
// requires the root token, so every call proves the token travelled.
const MAIN = fileURLToPath(new URL("../packages/s2-client/src/cli/main.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const TOKEN = "cli-test-root-token-0123456789";
const BASIN = "cli-test-basin";

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

let emulator: Emulator;

// Every test starts real `node --import tsx` processes (the help test about thirty at once), each
// compiling the CLI's sources on a cold start: on a busy 2-core machine one start can take seconds,
// so the margin is generous. Nothing here waits on time; the limit only catches a hang.
vi.setConfig({ testTimeout: 180_000 });

function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith("S2_") && value !== undefined) env[key] = value;
  }
  return env;
}

/** Runs `s2 ...args` with the emulator's endpoints and the root token in the environment. */
function s2(
  args: readonly string[],
  options: { input?: string; env?: Record<string, string>; token?: string | null } = {},
): Promise<Result> {
  const env = cleanEnv();
  env.S2_ACCOUNT_ENDPOINT = emulator.restEndpoint;
  env.S2_BASIN_ENDPOINT = emulator.restEndpoint;
  if (options.token !== null) env.S2_ACCESS_TOKEN = options.token ?? TOKEN;
  Object.assign(env, options.env);
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--conditions=@retrykit/source", "--import", "tsx", MAIN, ...args],
      { cwd: ROOT, env, stdio: ["pipe", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}

function client(): S2 {
  return new S2({
    accessToken: TOKEN,
    endpoints: { account: emulator.restEndpoint, basin: emulator.restEndpoint },
  });
}

beforeAll(async () => {
  emulator = await startEmulator({ rootToken: TOKEN });
});

afterAll(async () => {
  await emulator.close();
});

describe("s2 help", () => {
  it("lists every command and explains the environment and exit statuses", async () => {
    const result = await s2(["--help"]);
    expect(result.code).toBe(0);
    for (const command of COMMANDS) expect(result.stdout).toContain(command.path.join(" "));
    expect(result.stdout).toContain("S2_ACCESS_TOKEN");
    expect(result.stdout).toContain("Exit status");
  });

  it("prints the help of every command with --help and of every group", async () => {
    const paths = [
      ...COMMANDS.map((command) => command.path),
      ["basins"],
      ["basins", "config"],
      ["streams"],
      ["tokens"],
    ];
    const results = await Promise.all(paths.map((path) => s2([...path, "--help"])));
    results.forEach((result, index) => {
      expect(result.code, paths[index]!.join(" ")).toBe(0);
      expect(result.stdout).toContain(`Usage: s2 ${paths[index]!.join(" ")}`);
    });
    expect(results[0]!.stdout).toContain("--access-token <token>");
  });

  it("shows a group's commands on stderr with status 2 when the command is missing", async () => {
    const result = await s2(["streams"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("config set");
  });
});

describe("s2 basins", () => {
  it("creates, lists, configures and deletes a basin", async () => {
    const created = await s2([
      "basins",
      "create",
      BASIN,
      "--storage-class",
      "standard",
      "--retention",
      "2d",
    ]);
    expect(created).toMatchObject({ code: 0, stdout: `created basin ${BASIN} (active)\n` });

    const listed = await s2(["basins", "list", "--prefix", "cli-test"]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toBe(`${BASIN}\tactive\n`);

    const config = await s2(["basins", "config", "get", BASIN]);
    expect(config.code).toBe(0);
    expect(JSON.parse(config.stdout)).toMatchObject({
      defaultStreamConfig: { storageClass: "standard", retentionPolicy: { ageSecs: 172_800 } },
    });

    const changed = await s2([
      "basins",
      "config",
      "set",
      BASIN,
      "--create-stream-on-append",
      "yes",
    ]);
    expect(changed.code).toBe(0);
    expect(JSON.parse(changed.stdout)).toMatchObject({ createStreamOnAppend: true });

    const other = "cli-test-doomed";
    expect((await s2(["basins", "create", other])).code).toBe(0);
    expect(await s2(["basins", "delete", other])).toMatchObject({ code: 0 });
    const again = await s2(["basins", "delete", other]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("NOT_FOUND");
    expect((await s2(["basins", "delete", other, "--if-exists"])).code).toBe(0);
  });
});

describe("s2 streams", () => {
  it("creates, lists, configures and deletes a stream", async () => {
    const created = await s2([
      "streams",
      "create",
      BASIN,
      "orders",
      "--retention",
      "infinite",
      "--timestamping-mode",
      "arrival",
    ]);
    expect(created).toMatchObject({ code: 0, stdout: "created stream orders\n" });

    const listed = await s2(["streams", "list", BASIN, "--json"]);
    expect(listed.code).toBe(0);
    expect(
      listed.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line).name),
    ).toContain("orders");

    const config = await s2(["streams", "config", "get", BASIN, "orders"]);
    expect(JSON.parse(config.stdout)).toMatchObject({
      retentionPolicy: "infinite",
      timestamping: { mode: "arrival" },
    });

    const changed = await s2([
      "streams",
      "config",
      "set",
      BASIN,
      "orders",
      "--delete-on-empty-min-age",
      "60",
    ]);
    expect(changed.code).toBe(0);
    expect(JSON.parse(changed.stdout)).toMatchObject({
      deleteOnEmpty: { minAgeSecs: 60 },
      retentionPolicy: "infinite",
    });

    expect((await s2(["streams", "delete", BASIN, "orders"])).code).toBe(0);
    // Deletion finishes in the background: the stream is gone or listed as deleting.
    const listedAfter = await s2(["streams", "list", BASIN]);
    const live = listedAfter.stdout
      .split("\n")
      .filter((line) => line.startsWith("orders\t") && !line.endsWith("\tdeleting"));
    expect(live).toEqual([]);
  });
});

describe("s2 append, read and tail", () => {
  const lines = Array.from({ length: 2500 }, (_, index) => `line ${index} ü`);

  it("appends standard input line by line and reads it back", async () => {
    expect((await s2(["streams", "create", BASIN, "lines"])).code).toBe(0);
    const appended = await s2(["append", BASIN, "lines", "--match-seq-num", "0"], {
      input: `${lines.join("\n")}\n`,
    });
    expect(appended.code).toBe(0);
    expect(appended.stdout).toMatch(/^appended 2500 records in \d+ batches: seq nums 0\.\.2499/);

    const read = await s2(["read", BASIN, "lines"]);
    expect(read.code).toBe(0);
    expect(read.stdout).toBe(`${lines.join("\n")}\n`);

    const tail = await s2(["tail", BASIN, "lines", "--json"]);
    expect(tail.code).toBe(0);
    expect(JSON.parse(tail.stdout)).toMatchObject({ nextSeqNum: 2500 });
  });

  it("reads from a sequence number, a tail offset or a timestamp, within a count", async () => {
    const fromSeq = await s2(["read", BASIN, "lines", "--seq-num", "10", "--count", "3"]);
    expect(fromSeq.stdout).toBe(`${lines.slice(10, 13).join("\n")}\n`);

    const fromTail = await s2(["read", BASIN, "lines", "--tail-offset", "2", "--format", "json"]);
    const records = fromTail.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(records.map((record) => [record.seqNum, record.body])).toEqual([
      [2498, lines[2498]],
      [2499, lines[2499]],
    ]);

    const fromTime = await s2([
      "read",
      BASIN,
      "lines",
      "--timestamp",
      String(records[0].timestamp),
      "--count",
      "1",
    ]);
    expect(fromTime.code).toBe(0);
    expect(fromTime.stdout.split("\n")).toHaveLength(2);
  });

  it("appends with a mismatched --match-seq-num fails with status 1 and appends nothing", async () => {
    const result = await s2(["append", BASIN, "lines", "--match-seq-num", "7"], {
      input: "late\n",
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("FAILED_PRECONDITION");
    expect((await s2(["tail", BASIN, "lines", "--json"])).stdout).toContain('"nextSeqNum":2500');
  });

  it("follows new records with --follow until --count is reached", async () => {
    await using s2Client = client();
    const stream = s2Client.basin(BASIN).stream("followed");
    await s2Client.basin(BASIN).createStream("followed");
    const following = s2(["read", BASIN, "followed", "--follow", "--count", "3"]);
    // Append one record at a time until the follower has them all and exits.
    let exited = false;
    void following.then(() => (exited = true));
    for (let i = 0; i < 50 && !exited; i++) {
      await stream.append({ records: [AppendRecord.make(`live ${i}`)] });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const result = await following;
    expect(result.code).toBe(0);
    expect(result.stdout.split("\n").slice(0, 3)).toEqual(
      Array.from({ length: 3 }, (_, i) => `live ${i}`),
    );
  });

  it("retries a call that fails with UNAVAILABLE", async () => {
    const before = emulator.calls.CheckTail;
    const rule = emulator.faults.add({ rpc: "CheckTail", kind: "status", code: 14, times: 1 });
    try {
      const result = await s2(["tail", BASIN, "lines"]);
      expect(result).toMatchObject({
        code: 0,
        stdout: expect.stringContaining("next seq num\t2500"),
      });
      expect(emulator.calls.CheckTail - before).toBe(2);
    } finally {
      emulator.faults.remove(rule);
    }
  });
});

describe("s2 tokens", () => {
  it("issues a token whose secret alone goes to stdout, lists and revokes it", async () => {
    const issued = await s2([
      "tokens",
      "issue",
      "cli-reader",
      "--basins",
      `exact:${BASIN}`,
      "--streams",
      "*",
      "--op-groups",
      "stream=r",
    ]);
    expect(issued.code).toBe(0);
    const secret = issued.stdout.trim();
    expect(secret).toMatch(/^\S{16,}$/);
    expect(issued.stderr).not.toContain(secret);

    // The new token may read, not write.
    expect((await s2(["tail", BASIN, "lines"], { token: secret })).code).toBe(0);
    const denied = await s2(["append", BASIN, "lines"], { token: secret, input: "x\n" });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain("PERMISSION_DENIED");

    const listed = await s2(["tokens", "list"]);
    expect(listed.stdout).toMatch(/^cli-reader\t/m);
    expect(listed.stdout).not.toContain(secret);

    expect((await s2(["tokens", "revoke", "cli-reader"])).code).toBe(0);
    const revoked = await s2(["tail", BASIN, "lines"], { token: secret });
    expect(revoked.code).toBe(1);
    expect(revoked.stderr).toContain("UNAUTHENTICATED");
  });
});

describe("s2 errors", () => {
  it.each([
    [["bogus"], /unknown command "bogus"/],
    [["basins", "list", "--nope"], /Unknown option '--nope'/],
    [["read", BASIN], /missing <stream>/],
    [["tail", BASIN, "lines", "extra"], /unexpected argument "extra"/],
    [["read", BASIN, "lines", "--count", "-1"], /--count/],
    [["read", BASIN, "lines", "--seq-num", "1", "--tail-offset", "1"], /at most one of/],
    [["streams", "config", "set", BASIN, "lines"], /nothing to change/],
    [["basins", "create", "Not_A_Basin"], /invalid argument: .*basin name/],
    [["streams", "create", BASIN, "x", "--storage-class", "fast"], /--storage-class must be/],
    [
      ["tokens", "issue", "expired-token", "--expires-at", "2001-01-01T00:00:00Z"],
      /--expires-at must be in the future, got "2001-01-01T00:00:00Z"/,
    ],
  ])("%j is a usage error (status 2)", async (args, message) => {
    const result = await s2(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe("");
  });

  it("needs an access token (status 2)", async () => {
    const result = await s2(["basins", "list"], { token: null });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("S2_ACCESS_TOKEN");
  });

  it("reports S2 errors with their code (status 1) and never prints the token", async () => {
    const missing = await s2(["read", BASIN, "no-such-stream"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^s2 read: NOT_FOUND: /);

    const exists = await s2(["basins", "create", BASIN]);
    expect(exists.code).toBe(1);
    expect(exists.stderr).toContain("ALREADY_EXISTS");

    const wrong = "wrong-token-do-not-print-me";
    const unauthenticated = await s2(["basins", "list", "--access-token", wrong]);
    expect(unauthenticated.code).toBe(1);
    expect(unauthenticated.stderr).toContain("UNAUTHENTICATED");
    for (const result of [missing, exists, unauthenticated]) {
      expect(result.stderr + result.stdout).not.toContain(TOKEN);
      expect(result.stderr + result.stdout).not.toContain(wrong);
    }
  });

  it.each([
    ["a non-ASCII character", "SECRÉT-TOKÉN-xyz"],
    ["a control character", "SECRET-\u0001-TOKEN-xyz"],
  ])(
    "refuses a token with %s as a usage error (status 2) without printing it",
    async (_what, token) => {
      for (const result of [
        await s2(["basins", "list"], { token }),
        await s2(["basins", "list", "--access-token", token], { token: null }),
      ]) {
        expect(result.code).toBe(2);
        expect(result.stderr).toMatch(/accessToken must contain only visible ASCII/);
        expect(result.stderr + result.stdout).not.toContain(token);
        expect(result.stderr + result.stdout).not.toContain("SECR");
      }
    },
  );

  it("takes the transport and the endpoint from --transport, --endpoint and --plaintext over the environment", async () => {
    const result = await s2(
      [
        "tail",
        BASIN,
        "lines",
        "--transport",
        "grpc",
        "--endpoint",
        emulator.endpoint,
        "--plaintext",
      ],
      {
        env: { S2_ACCOUNT_ENDPOINT: "127.0.0.1:1", S2_BASIN_ENDPOINT: "127.0.0.1:1" },
      },
    );
    expect(result.code).toBe(0);
    const overRest = await s2(["tail", BASIN, "lines", "--endpoint", emulator.restEndpoint], {
      env: { S2_ACCOUNT_ENDPOINT: "127.0.0.1:1", S2_BASIN_ENDPOINT: "127.0.0.1:1" },
    });
    expect(overRest.code).toBe(0);
    expect(overRest.stdout).toBe(result.stdout);
    const badTransport = await s2(["tail", BASIN, "lines", "--transport", "soap"]);
    expect(badTransport.code).toBe(2);
    expect(badTransport.stderr).toContain("--transport must be rest or grpc, got soap");
    const unreachable = await s2(["tail", BASIN, "lines", "--max-retries", "0"], {
      env: { S2_ACCOUNT_ENDPOINT: "http://127.0.0.1:1", S2_BASIN_ENDPOINT: "http://127.0.0.1:1" },
    });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain("UNAVAILABLE");
  });
});
