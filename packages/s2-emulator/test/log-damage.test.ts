import { type ChildProcess, spawn } from "node:child_process";
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LogDamageError, startEmulator } from "../src/index.js";
import { call, harness, meta, records } from "./helpers.js";

const BASIN = "damaged-basin";
const BATCHES = 6;
const PER_BATCH = 2;

let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A data directory with one stream of 6 batches of 2 records; its log and frame offsets. */
async function writtenLog(): Promise<{ log: string; frames: number[] }> {
  dir = mkdtempSync(join(tmpdir(), "s2-emulator-damage-"));
  const h = await harness({ dataDir: dir });
  try {
    await call(h.account.createBasin, h.account, { basin: BASIN, scope: 0 }, meta());
    await call(h.basins.createStream, h.basins, { stream: "log" }, meta(BASIN));
    for (let i = 0; i < BATCHES; i++) {
      await call(
        h.streams.append,
        h.streams,
        { input: { stream: "log", records: records(`a${i}`, `b${i}`) } },
        meta(BASIN),
      );
    }
  } finally {
    await h.close();
  }
  const [file] = readdirSync(join(dir, "streams"));
  const log = join(dir, "streams", file!);
  const data = readFileSync(log);
  const frames: number[] = [];
  for (let offset = 0; offset < data.length; offset += 8 + data.readUInt32BE(offset)) {
    frames.push(offset);
  }
  expect(frames).toHaveLength(BATCHES);
  return { log, frames };
}

function flipBit(path: string, offset: number, bit = 0): void {
  const data = readFileSync(path);
  data[offset]! ^= 1 << bit;
  writeFileSync(path, data);
}

/** Starts on the directory and reads back the bodies of the stream and the recovery report. */
async function reopen(repair = false) {
  const h = await harness({ dataDir: dir, repair });
  try {
    const read = await call(
      h.streams.read,
      h.streams,
      { stream: "log", clamp: false, start: { $case: "seqNum", seqNum: 0n } },
      meta(BASIN),
    );
    const bodies =
      read.output?.output?.$case === "batch"
        ? read.output.output.batch.records.map((r) => r.body.toString())
        : [];
    // Appends go on densely after whatever was kept.
    const next = await call(
      h.streams.append,
      h.streams,
      { input: { stream: "log", records: records("next") } },
      meta(BASIN),
    );
    return {
      bodies,
      next: next.output?.startSeqNum,
      truncated: h.emulator.recoveredTruncatedBytes,
      repairs: h.emulator.repairs,
    };
  } finally {
    await h.close();
  }
}

const all = Array.from({ length: BATCHES }, (_, i) => [`a${i}`, `b${i}`]).flat();

describe("recovery of a damaged log", () => {
  it("drops a torn last frame (a write cut short) and keeps everything before it", async () => {
    const { log, frames } = await writtenLog();
    const size = statSync(log).size;
    writeFileSync(log, readFileSync(log).subarray(0, size - 3));
    const recovered = await reopen();
    expect(recovered.bodies).toEqual(all.slice(0, -PER_BATCH));
    expect(recovered.truncated).toBe(size - 3 - frames.at(-1)!);
    expect(recovered.repairs).toEqual([]);
    expect(recovered.next).toBe(BigInt(all.length - PER_BATCH));
  });

  it("drops an incomplete frame header at the end", async () => {
    const { log } = await writtenLog();
    appendFileSync(log, Buffer.from([0, 0, 0, 40, 0x12]));
    const recovered = await reopen();
    expect(recovered.bodies).toEqual(all);
    expect(recovered.truncated).toBe(5);
  });

  it("drops garbage appended after the last frame", async () => {
    const { log } = await writtenLog();
    const garbage = Buffer.from("not a frame at all, just some bytes that were never acknowledged");
    appendFileSync(log, garbage);
    const recovered = await reopen();
    expect(recovered.bodies).toEqual(all);
    expect(recovered.truncated).toBe(garbage.length);
  });

  it("drops the last frame when a bit in it is flipped (it cannot be told from a torn write)", async () => {
    const { log, frames } = await writtenLog();
    flipBit(log, frames.at(-1)! + 20);
    const recovered = await reopen();
    expect(recovered.bodies).toEqual(all.slice(0, -PER_BATCH));
    expect(recovered.repairs).toEqual([]);
  });

  it("refuses to start on a bit flipped in a frame before the last, naming the file and offset", async () => {
    const { log, frames } = await writtenLog();
    const before = readFileSync(log);
    flipBit(log, frames[2]! + 20, 3);
    const error = await startEmulator({ dataDir: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LogDamageError);
    const damage = error as LogDamageError;
    expect(damage.message).toContain(log);
    expect(damage.message).toContain(`byte offset ${frames[2]}`);
    expect(damage.message).toContain("--repair");
    expect(damage.logs).toEqual([
      {
        file: log,
        stream: `${BASIN}/log`,
        offset: frames[2],
        reason: "checksum mismatch",
        droppedBytes: before.length - frames[2]!,
        droppedRecords: 3 * PER_BATCH,
      },
    ]);
    // Nothing was cut: the operator decides.
    expect(statSync(log).size).toBe(before.length);
  });

  it("refuses to start when a bit flipped in a length field hides the frames after it", async () => {
    const { log, frames } = await writtenLog();
    // The length now runs past the end of the file, like a torn write would.
    flipBit(log, frames[1]!, 2);
    const error = await startEmulator({ dataDir: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LogDamageError);
    expect((error as LogDamageError).logs[0]).toMatchObject({
      offset: frames[1],
      droppedRecords: 4 * PER_BATCH,
    });
  });

  it("refuses to start when a whole frame before the last is missing", async () => {
    const { log, frames } = await writtenLog();
    const data = readFileSync(log);
    writeFileSync(log, Buffer.concat([data.subarray(0, frames[2]), data.subarray(frames[3])]));
    const error = await startEmulator({ dataDir: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LogDamageError);
    expect((error as LogDamageError).logs[0]).toMatchObject({
      offset: frames[2],
      reason: `sequence gap: expected ${2 * PER_BATCH}, found ${3 * PER_BATCH}`,
      droppedRecords: 3 * PER_BATCH,
    });
  });

  it("with repair, cuts the log at the damage and reports what it dropped", async () => {
    const { log, frames } = await writtenLog();
    const size = statSync(log).size;
    flipBit(log, frames[3]! + 12);
    const recovered = await reopen(true);
    expect(recovered.bodies).toEqual(all.slice(0, 3 * PER_BATCH));
    expect(recovered.next).toBe(BigInt(3 * PER_BATCH));
    expect(recovered.repairs).toEqual([
      {
        file: log,
        stream: `${BASIN}/log`,
        offset: frames[3],
        reason: "checksum mismatch",
        droppedBytes: size - frames[3]!,
        droppedRecords: 2 * PER_BATCH,
      },
    ]);
    // Repaired for good: the next start needs no repair.
    expect((await reopen()).bodies).toEqual([...all.slice(0, 3 * PER_BATCH), "next"]);
  });

  it("rejects a repair option that is not a boolean", async () => {
    await expect(startEmulator({ repair: "yes" as unknown as boolean })).rejects.toThrow(
      'repair must be a boolean, got "yes"',
    );
  });
});

// Tests run from the repository root (or from this package's directory).
const CLI = [join("packages", "s2-emulator", "src", "cli.ts"), join("src", "cli.ts")]
  .map((path) => resolve(path))
  .find((path) => existsSync(path))!;

/** Runs the CLI until its output matches `until` (then kills it) or it exits by itself. */
function runCli(
  args: string[],
  until = /^listening on /m,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child: ChildProcess = spawn(
    process.execPath,
    ["--conditions=@retrykit/source", "--import", "tsx", CLI, "--port", "0", ...args],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    if (until.test(stdout)) child.kill("SIGKILL");
  });
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, stdout, stderr })));
}

describe("s2-emulator --repair", () => {
  it("exits 1 naming the damaged file and offset, and repairs with --repair", async () => {
    const { log, frames } = await writtenLog();
    flipBit(log, frames[4]! + 20);
    const refused = await runCli(["--data-dir", dir!]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${log} (stream "${BASIN}/log") at byte offset ${frames[4]}`);
    expect(refused.stdout).toBe("");

    const repaired = await runCli(["--data-dir", dir!, "--repair"], /all dropped\n/);
    expect(repaired.stdout).toContain(
      `recovery: repaired ${log} (stream "${BASIN}/log") at byte offset ${frames[4]}: checksum mismatch;`,
    );
    expect(repaired.stdout).toContain(`holding ${PER_BATCH} intact records, all dropped`);
    expect(statSync(log).size).toBe(frames[4]);
  });
});
