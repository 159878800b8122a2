import { status } from "@grpc/grpc-js";
import {
  type AppendInput,
  type AppendOutput,
  type AppendRecord,
  type StreamConfig,
  TimestampingMode,
} from "@retrykit/s2-proto";
import { EmulatorError, invalid } from "../emulator-error.js";
import {
  MAX_BATCH_BYTES,
  MAX_BATCH_RECORDS,
  meteredBytes,
  validateFencingToken,
} from "../limits.js";
import type { Storage, StoredRecord } from "../storage/storage.js";

const decoder = new TextDecoder("utf-8", { fatal: true });

/** What a read of stored records gives back. */
export interface RecordSlice {
  readonly records: StoredRecord[];
  readonly bytes: number;
  /** A record at or after `until` was reached: nothing later can be returned. */
  readonly reachedUntil: boolean;
}

/** Which kind a record is: an ordinary record or one of the two command records. */
export type RecordKind = "record" | "fence" | "trim";

/**
 * Checks one append batch for everything that does not depend on the stream's state, and tells
 * which record kinds it holds (fence and trim records need their own permissions).
 */
export function validateAppendRecords(records: readonly AppendRecord[]): Set<RecordKind> {
  if (records.length < 1 || records.length > MAX_BATCH_RECORDS) {
    throw invalid(
      `an append batch must hold 1 to ${MAX_BATCH_RECORDS} records, got ${records.length}`,
    );
  }
  const kinds = new Set<RecordKind>();
  let bytes = 0;
  for (const record of records) {
    bytes += meteredBytes(record);
    const kind = commandKind(record);
    kinds.add(kind);
    if (kind === "fence") {
      let token: string;
      try {
        token = decoder.decode(record.body);
      } catch (error) {
        throw Object.assign(invalid("fence command body must be UTF-8"), { cause: error });
      }
      validateFencingToken(token);
    } else if (kind === "trim" && record.body.length !== 8) {
      throw invalid(`trim command body must be 8 bytes, got ${record.body.length}`);
    }
  }
  if (bytes > MAX_BATCH_BYTES) {
    throw invalid(`an append batch must be at most ${MAX_BATCH_BYTES} metered bytes, got ${bytes}`);
  }
  return kinds;
}

function commandKind(record: AppendRecord): RecordKind {
  const emptyNames = record.headers.filter((header) => header.name.length === 0).length;
  if (emptyNames === 0) return "record";
  const only = record.headers[0];
  if (record.headers.length !== 1 || only === undefined) {
    throw invalid("a header name may be empty only in the single header of a command record");
  }
  const command = Buffer.from(only.value).toString("utf8");
  if (command === "fence" || command === "trim") return command;
  throw invalid(`unknown command record ${JSON.stringify(command)}`);
}

/** A stream: its records in memory, its tail, fencing token and trim point. */
export class Stream {
  readonly id: string;
  readonly name: string;
  /** Unix seconds. */
  readonly createdAt: number;
  /** Unix seconds, while deletion is pending. */
  deletedAt: number | undefined;
  config: StreamConfig;
  nextSeqNum = 0;
  lastTimestamp = 0n;
  fencingToken = "";
  /** Milliseconds since the epoch of the last append (or creation). */
  lastWriteAt: number;
  // Retained records, dense: records[i].seqNum === firstSeqNum + i.
  #records: StoredRecord[] = [];
  #queue: Promise<unknown> = Promise.resolve();
  readonly #listeners = new Set<() => void>();
  // The metadata write that names this stream, while it may not be durable yet; and how to write
  // it again if it failed.
  #naming: Promise<void> | undefined;
  #rename: (() => Promise<void>) | undefined;

  constructor(id: string, name: string, createdAtMs: number, config: StreamConfig) {
    this.id = id;
    this.name = name;
    this.createdAt = Math.floor(createdAtMs / 1000);
    this.lastWriteAt = createdAtMs;
    this.config = config;
  }

  /** Sequence number of the oldest retained record (equals the tail when nothing is retained). */
  get firstSeqNum(): number {
    return this.nextSeqNum - this.#records.length;
  }

  /** Number of retained records. */
  get size(): number {
    return this.#records.length;
  }

  /** Runs `task` after every earlier one on this stream: appends are applied one at a time. */
  serialize<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => {});
    return run;
  }

  /**
   * Tells the stream that the metadata naming it is being written: appends wait for `written`
   * before they write, because recovery deletes the log of a stream the metadata does not name,
   * and an acknowledged record must survive a crash. When `written` fails, the next append calls
   * `persist` to write the metadata again.
   */
  namedBy(written: Promise<void>, persist: () => Promise<void>): void {
    this.#naming = written;
    this.#rename = persist;
    // The creator sees a failure; this copy only waits.
    written.catch(() => {});
  }

  async #ensureNamed(): Promise<void> {
    if (this.#naming === undefined) return;
    try {
      await this.#naming;
    } catch {
      // The creator was told of the failure; this append writes the metadata again, and fails
      // (to be retried by the next one) if that fails too.
      this.#naming = this.#rename!();
      await this.#naming;
    }
    this.#naming = undefined;
  }

  /**
   * Appends one batch: checks fencing token then `match_seq_num`, assigns sequence numbers and
   * timestamps, makes the batch durable in `storage` (after the metadata naming the stream), then
   * makes it visible. Call inside `serialize`.
   */
  async append(input: AppendInput, now: number, storage: Storage): Promise<AppendOutput> {
    if (input.fencingToken !== undefined) {
      validateFencingToken(input.fencingToken);
      if (input.fencingToken !== this.fencingToken) {
        throw new EmulatorError(
          status.FAILED_PRECONDITION,
          `fencing token mismatch: the stream's token is ${JSON.stringify(this.fencingToken)}`,
          { "s2-expected-fencing-token": this.fencingToken },
        );
      }
    }
    if (input.matchSeqNum !== undefined && input.matchSeqNum !== BigInt(this.nextSeqNum)) {
      throw new EmulatorError(
        status.FAILED_PRECONDITION,
        `sequence number mismatch: the next sequence number is ${this.nextSeqNum}, not ${input.matchSeqNum}`,
        { "s2-expected-seq-num": String(this.nextSeqNum) },
      );
    }
    const mode = this.config.timestamping?.mode ?? TimestampingMode.TIMESTAMPING_MODE_CLIENT_PREFER;
    const uncapped = this.config.timestamping?.uncapped ?? false;
    const arrival = BigInt(now);
    let previous = this.lastTimestamp;
    const records: StoredRecord[] = input.records.map((record, index) => {
      let timestamp: bigint;
      if (mode === TimestampingMode.TIMESTAMPING_MODE_ARRIVAL) {
        timestamp = arrival;
      } else if (record.timestamp === undefined) {
        if (mode === TimestampingMode.TIMESTAMPING_MODE_CLIENT_REQUIRE) {
          throw invalid(`record ${index} has no timestamp, which the stream requires`);
        }
        timestamp = arrival;
      } else {
        timestamp = !uncapped && record.timestamp > arrival ? arrival : record.timestamp;
      }
      // Timestamps never go backwards within a stream.
      if (timestamp < previous) timestamp = previous;
      previous = timestamp;
      return {
        seqNum: this.nextSeqNum + index,
        timestamp,
        arrivedAt: now,
        headers: record.headers,
        body: record.body,
      };
    });
    await this.#ensureNamed();
    await storage.append(this.id, records);
    const start = this.nextSeqNum;
    this.commit(records);
    this.lastWriteAt = now;
    const first = records[0]!;
    const last = records[records.length - 1]!;
    return {
      startSeqNum: BigInt(start),
      endSeqNum: BigInt(start + records.length),
      nextSeqNum: BigInt(this.nextSeqNum),
      startTimestamp: first.timestamp,
      endTimestamp: last.timestamp,
      lastTimestamp: this.lastTimestamp,
    };
  }

  /** Makes durable records visible and applies their commands; also used on recovery. */
  commit(records: readonly StoredRecord[]): void {
    let trimTo = this.firstSeqNum;
    for (const record of records) {
      this.#records.push(record);
      this.nextSeqNum = record.seqNum + 1;
      if (record.timestamp > this.lastTimestamp) this.lastTimestamp = record.timestamp;
      if (record.headers.length === 1 && record.headers[0]!.name.length === 0) {
        const command = Buffer.from(record.headers[0]!.value).toString("utf8");
        if (command === "fence") {
          this.fencingToken = Buffer.from(record.body).toString("utf8");
        } else if (command === "trim") {
          const wanted = Buffer.from(record.body).readBigUInt64BE(0);
          // The trim point only moves forward and never past the trim record itself.
          const capped = wanted > BigInt(record.seqNum + 1) ? record.seqNum + 1 : Number(wanted);
          if (capped > trimTo) trimTo = capped;
        }
      }
    }
    if (trimTo > this.firstSeqNum) this.#records.splice(0, trimTo - this.firstSeqNum);
    for (const listener of [...this.#listeners]) listener();
  }

  /** Drops records older than the retention age (by arrival time). */
  expire(now: number): void {
    const retention = this.config.retentionPolicy;
    if (retention?.$case !== "age") return;
    const cutoff = now - Number(retention.age) * 1000;
    let drop = 0;
    while (drop < this.#records.length && this.#records[drop]!.arrivedAt < cutoff) drop++;
    if (drop > 0) this.#records.splice(0, drop);
  }

  /** Whether delete-on-empty applies: no records and no write for at least `min_age_secs`. */
  isEmptyAndIdle(now: number): boolean {
    const minAge = this.config.deleteOnEmpty?.minAgeSecs ?? 0n;
    if (minAge === 0n || this.#records.length > 0) return false;
    return now - this.lastWriteAt >= Number(minAge) * 1000;
  }

  /** Sequence number of the first retained record with a timestamp at or after `timestamp`. */
  seqNumForTimestamp(timestamp: bigint): number {
    let low = 0;
    let high = this.#records.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.#records[middle]!.timestamp < timestamp) low = middle + 1;
      else high = middle;
    }
    return this.firstSeqNum + low;
  }

  /**
   * Records from `start` on, at most `count` records and `bytes` metered bytes, stopping before
   * the first record whose timestamp is at or after `until`.
   */
  slice(start: number, count: number, bytes: number, until: bigint | undefined): RecordSlice {
    const records: StoredRecord[] = [];
    let total = 0;
    let reachedUntil = false;
    for (let index = Math.max(0, start - this.firstSeqNum); index < this.#records.length; index++) {
      if (records.length >= count) break;
      const record = this.#records[index]!;
      if (until !== undefined && record.timestamp >= until) {
        reachedUntil = true;
        break;
      }
      const size = meteredBytes(record);
      if (total + size > bytes) break;
      total += size;
      records.push(record);
    }
    return { records, bytes: total, reachedUntil };
  }

  /** Calls `listener` after every commit until the returned function is called. */
  onCommit(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Wakes every waiting reader (used when the stream goes away). */
  wakeAll(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}
