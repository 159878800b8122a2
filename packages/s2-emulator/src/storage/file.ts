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
import { type DamagedLog, LogDamageError } from "./log-damage-error.js";
import { decodeLog, encodeFrame } from "./log-format.js";
import type { MetadataSnapshot, RecoveredState, Storage, StoredRecord } from "./storage.js";

const METADATA_FILE = "metadata.json";
const STREAMS_DIR = "streams";

/** Options of {@link FileStorage}. */
export interface FileStorageOptions {
  /**
   * Cut a log damaged before its last frame at the damage (dropping what follows, reported in
   * {@link RecoveredState.repairs}) instead of refusing to open. @default false
   */
  readonly repair?: boolean | undefined;
}

/**
 * Durable storage in a directory: `metadata.json` (basins, streams, configurations, tokens),
 * replaced atomically, and one append-only log per stream under `streams/`. Every batch is written
 * as one checksummed frame and flushed with `fdatasync` before the append is acknowledged. On open,
 * a torn last frame (a crash in the middle of a write) is detected by its length or checksum and
 * cut off: it was never acknowledged. Damage before the last frame is not a torn write: opening
 * fails with a {@link LogDamageError} naming the file and offset, unless `repair` is set.
 */
export class FileStorage implements Storage {
  readonly #dir: string;
  readonly #repair: boolean;
  readonly #handles = new Map<string, FileHandle>();
  #metadataWrite: Promise<void> = Promise.resolve();
  #closed = false;

  /** @param dir - the data directory; created when missing. */
  constructor(dir: string, options: FileStorageOptions = {}) {
    if (typeof dir !== "string" || dir.length === 0) {
      throw new TypeError(`dataDir must be a non-empty path, got ${JSON.stringify(dir)}`);
    }
    if (options.repair !== undefined && typeof options.repair !== "boolean") {
      throw new TypeError(`repair must be a boolean, got ${JSON.stringify(options.repair)}`);
    }
    this.#dir = dir;
    this.#repair = options.repair ?? false;
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
    const names = new Map<string, string>();
    for (const basin of metadata?.basins ?? []) {
      for (const stream of basin.streams) names.set(stream.id, `${basin.name}/${stream.name}`);
    }
    const records = new Map<string, StoredRecord[]>();
    const damaged: DamagedLog[] = [];
    const cuts: Array<{ path: string; length: number }> = [];
    let truncatedBytes = 0;
    for (const file of (await readdir(join(this.#dir, STREAMS_DIR))).sort()) {
      if (!file.endsWith(".log")) continue;
      const id = file.slice(0, -".log".length);
      const path = join(this.#dir, STREAMS_DIR, file);
      const { batches, validLength, totalLength, damage } = decodeLog(await readFile(path));
      // The log of a stream the metadata does not name is deleted anyway.
      if (damage !== undefined && !damage.torn && names.has(id)) {
        damaged.push({
          file: path,
          stream: names.get(id),
          offset: damage.offset,
          reason: damage.reason,
          droppedBytes: totalLength - validLength,
          droppedRecords: damage.recordsAfter,
        });
      } else if (validLength < totalLength) {
        truncatedBytes += totalLength - validLength;
      }
      if (validLength < totalLength) cuts.push({ path, length: validLength });
      records.set(id, batches);
    }
    if (damaged.length > 0 && !this.#repair) throw new LogDamageError(damaged);
    // Only now that opening goes ahead is anything cut: a refusal leaves every file as it was.
    for (const { path, length } of cuts) await truncate(path, length);
    return { metadata, records, truncatedBytes, repairs: damaged };
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
