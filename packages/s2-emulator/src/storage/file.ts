import {
  type FileHandle,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  truncate,
} from "node:fs/promises";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { SequencedRecordBatch } from "@retrykit/s2-proto";
import type { MetadataSnapshot, RecoveredState, Storage, StoredRecord } from "./storage.js";

// A log frame: [u32 payload length][u32 CRC-32 of payload][payload], big-endian.
// The payload is one whole append batch: [f64 arrival ms][SequencedRecordBatch protobuf], so a
// batch is recovered entirely or not at all.
const FRAME_HEADER = 8;
const METADATA_FILE = "metadata.json";
const STREAMS_DIR = "streams";

/**
 * Durable storage in a directory: `metadata.json` (basins, streams, configurations, tokens),
 * replaced atomically, and one append-only log per stream under `streams/`. Every batch is written
 * as one checksummed frame and flushed with `fdatasync` before the append is acknowledged. On open,
 * a torn or corrupt frame at the end of a log (a crash in the middle of a write) is detected by its
 * length or checksum and cut off; it was never acknowledged.
 */
export class FileStorage implements Storage {
  readonly #dir: string;
  readonly #handles = new Map<string, FileHandle>();
  #metadataWrite: Promise<void> = Promise.resolve();
  #closed = false;

  /** @param dir - the data directory; created when missing. */
  constructor(dir: string) {
    if (typeof dir !== "string" || dir.length === 0) {
      throw new TypeError(`dataDir must be a non-empty path, got ${JSON.stringify(dir)}`);
    }
    this.#dir = dir;
  }

  async open(): Promise<RecoveredState> {
    await mkdir(join(this.#dir, STREAMS_DIR), { recursive: true });
    let metadata: MetadataSnapshot | undefined;
    try {
      metadata = JSON.parse(
        await readFile(join(this.#dir, METADATA_FILE), "utf8"),
      ) as MetadataSnapshot;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    const records = new Map<string, StoredRecord[]>();
    let truncatedBytes = 0;
    for (const file of await readdir(join(this.#dir, STREAMS_DIR))) {
      if (!file.endsWith(".log")) continue;
      const path = join(this.#dir, STREAMS_DIR, file);
      const { batches, validLength, totalLength } = decodeLog(await readFile(path));
      if (validLength < totalLength) {
        await truncate(path, validLength);
        truncatedBytes += totalLength - validLength;
      }
      records.set(file.slice(0, -".log".length), batches);
    }
    return { metadata, records, truncatedBytes };
  }

  async append(streamId: string, records: readonly StoredRecord[]): Promise<void> {
    const handle = await this.#handle(streamId);
    const frame = encodeFrame(records);
    let offset = 0;
    while (offset < frame.length) {
      const { bytesWritten } = await handle.write(frame, offset);
      offset += bytesWritten;
    }
    await handle.datasync();
  }

  saveMetadata(snapshot: MetadataSnapshot): Promise<void> {
    // Writes are chained so that the last snapshot asked for is the one left on disk.
    const write = this.#metadataWrite.then(() => this.#writeMetadata(snapshot));
    this.#metadataWrite = write.catch(() => {});
    return write;
  }

  async dropStream(streamId: string): Promise<void> {
    const handle = this.#handles.get(streamId);
    this.#handles.delete(streamId);
    await handle?.close();
    await rm(this.#logPath(streamId), { force: true });
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#metadataWrite;
    const handles = [...this.#handles.values()];
    this.#handles.clear();
    await Promise.all(handles.map((handle) => handle.close()));
  }

  async #handle(streamId: string): Promise<FileHandle> {
    if (this.#closed) throw new Error("storage is closed");
    let handle = this.#handles.get(streamId);
    if (handle === undefined) {
      handle = await open(this.#logPath(streamId), "a");
      this.#handles.set(streamId, handle);
      // A new log's directory entry must be durable too, or its synced frames have no name.
      await syncDirectory(join(this.#dir, STREAMS_DIR));
    }
    return handle;
  }

  #logPath(streamId: string): string {
    return join(this.#dir, STREAMS_DIR, `${streamId}.log`);
  }

  async #writeMetadata(snapshot: MetadataSnapshot): Promise<void> {
    const path = join(this.#dir, METADATA_FILE);
    const temporary = `${path}.tmp`;
    const handle = await open(temporary, "w");
    try {
      await handle.writeFile(JSON.stringify(snapshot));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
    // The rename itself becomes durable once the directory is flushed.
    await syncDirectory(this.#dir);
  }
}

async function syncDirectory(path: string): Promise<void> {
  const dir = await open(path, "r");
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** Encodes one append batch as a log frame. */
export function encodeFrame(records: readonly StoredRecord[]): Buffer {
  const batch = SequencedRecordBatch.encode({
    records: records.map((record) => ({
      seqNum: BigInt(record.seqNum),
      timestamp: record.timestamp,
      headers: record.headers,
      body: record.body,
    })),
  }).finish();
  const payload = Buffer.allocUnsafe(8 + batch.length);
  payload.writeDoubleBE(records[0]?.arrivedAt ?? 0, 0);
  payload.set(batch, 8);
  const frame = Buffer.allocUnsafe(FRAME_HEADER + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  frame.writeUInt32BE(crc32(payload), 4);
  payload.copy(frame, FRAME_HEADER);
  return frame;
}

/** Decodes a log, stopping at the first incomplete or corrupt frame. */
export function decodeLog(data: Buffer): {
  batches: StoredRecord[];
  validLength: number;
  totalLength: number;
} {
  const batches: StoredRecord[] = [];
  let offset = 0;
  while (offset + FRAME_HEADER <= data.length) {
    const length = data.readUInt32BE(offset);
    const checksum = data.readUInt32BE(offset + 4);
    const end = offset + FRAME_HEADER + length;
    if (length < 8 || end > data.length) break;
    const payload = data.subarray(offset + FRAME_HEADER, end);
    if (crc32(payload) !== checksum) break;
    let decoded: SequencedRecordBatch;
    try {
      decoded = SequencedRecordBatch.decode(payload.subarray(8));
    } catch {
      break;
    }
    const arrivedAt = payload.readDoubleBE(0);
    for (const record of decoded.records) {
      batches.push({
        seqNum: Number(record.seqNum),
        timestamp: record.timestamp,
        arrivedAt,
        headers: record.headers,
        body: record.body,
      });
    }
    offset = end;
  }
  return { batches, validLength: offset, totalLength: data.length };
}
