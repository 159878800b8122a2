import { crc32 } from "node:zlib";
import { SequencedRecordBatch } from "@retrykit/s2-proto";
import type { StoredRecord } from "./storage.js";

// A log frame: [u32 payload length][u32 CRC-32 of payload][payload], big-endian.
// The payload is one whole append batch: [f64 arrival ms][SequencedRecordBatch protobuf], so a
// batch is recovered entirely or not at all.
const FRAME_HEADER = 8;
const ARRIVAL_BYTES = 8;
/**
 * No frame the emulator writes is this large (a batch is at most 1 MiB of metered bytes, and
 * protobuf framing adds far less than that): a longer length field is damage.
 */
const MAX_FRAME_PAYLOAD = 8 * 1024 * 1024;
// Arrival times are ms since the epoch: anything outside this range is not a frame's.
const MAX_ARRIVAL_MS = 1e14;

/** Where a log stops being intact, and whether that is a torn write or damage. */
export interface LogDamage {
  /** Byte offset of the first frame that is not intact. */
  readonly offset: number;
  /** What is wrong there, e.g. `checksum mismatch`. */
  readonly reason: string;
  /**
   * What a crash in the middle of the last write leaves: no intact frame follows, and the frame
   * does not pass its checksum. Otherwise the log was damaged after it was written (a flipped
   * bit, a lost block) and acknowledged records may be behind the damage.
   */
  readonly torn: boolean;
  /** Records in the intact frames found after the damage (lost if the log is cut there). */
  readonly recordsAfter: number;
}

/** What a log holds: the records of its intact prefix, and the damage after it, if any. */
export interface DecodedLog {
  /** Records of the intact prefix, in sequence order. */
  readonly batches: StoredRecord[];
  /** Length of the intact prefix in bytes. */
  readonly validLength: number;
  readonly totalLength: number;
  /** Absent when the whole log is intact. */
  readonly damage: LogDamage | undefined;
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
  const payload = Buffer.allocUnsafe(ARRIVAL_BYTES + batch.length);
  payload.writeDoubleBE(records[0]?.arrivedAt ?? 0, 0);
  payload.set(batch, ARRIVAL_BYTES);
  const frame = Buffer.allocUnsafe(FRAME_HEADER + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  frame.writeUInt32BE(crc32(payload), 4);
  payload.copy(frame, FRAME_HEADER);
  return frame;
}

type FrameRead =
  | { readonly ok: true; readonly end: number; readonly records: StoredRecord[] }
  // `checksummed`: the frame passed its checksum, so it was written whole (not torn).
  | { readonly ok: false; readonly reason: string; readonly checksummed?: true };

/** Reads the frame at `offset`; `nextSeqNum` (when known) is the sequence number it must start at. */
function readFrame(data: Buffer, offset: number, nextSeqNum: number | undefined): FrameRead {
  if (offset + FRAME_HEADER > data.length) {
    return { ok: false, reason: `incomplete frame header (${data.length - offset} bytes)` };
  }
  const length = data.readUInt32BE(offset);
  if (length < ARRIVAL_BYTES || length > MAX_FRAME_PAYLOAD) {
    return { ok: false, reason: `impossible frame length ${length}` };
  }
  const end = offset + FRAME_HEADER + length;
  if (end > data.length) {
    return {
      ok: false,
      reason: `incomplete frame (${data.length - offset - FRAME_HEADER} of ${length} payload bytes)`,
    };
  }
  const payload = data.subarray(offset + FRAME_HEADER, end);
  const arrivedAt = payload.readDoubleBE(0);
  // Checked before the checksum: it rules out most byte offsets at once when scanning.
  if (!(arrivedAt >= 0 && arrivedAt < MAX_ARRIVAL_MS)) {
    return { ok: false, reason: "checksum mismatch" };
  }
  if (crc32(payload) !== data.readUInt32BE(offset + 4)) {
    return { ok: false, reason: "checksum mismatch" };
  }
  let decoded: SequencedRecordBatch;
  try {
    decoded = SequencedRecordBatch.decode(payload.subarray(ARRIVAL_BYTES));
  } catch {
    return { ok: false, reason: "undecodable batch", checksummed: true };
  }
  if (decoded.records.length === 0) return { ok: false, reason: "empty batch", checksummed: true };
  let expected = nextSeqNum ?? Number(decoded.records[0]!.seqNum);
  const records: StoredRecord[] = [];
  for (const record of decoded.records) {
    const seqNum = Number(record.seqNum);
    if (seqNum !== expected) {
      return {
        ok: false,
        reason: `sequence gap: expected ${expected}, found ${seqNum}`,
        checksummed: true,
      };
    }
    expected++;
    records.push({
      seqNum,
      timestamp: record.timestamp,
      arrivedAt,
      headers: record.headers,
      body: record.body,
    });
  }
  return { ok: true, end, records };
}

/**
 * Decodes a log up to its first frame that is not intact, and tells what follows it. A crash in
 * the middle of a write can only spoil the last frame, so damage followed by an intact frame
 * (searched at every byte offset, in case the damage hit a length field) is something else.
 */
export function decodeLog(data: Buffer): DecodedLog {
  const batches: StoredRecord[] = [];
  let offset = 0;
  while (offset < data.length) {
    const last = batches.at(-1);
    const frame = readFrame(data, offset, last === undefined ? undefined : last.seqNum + 1);
    if (!frame.ok) {
      // A frame that passed its checksum holds intact records itself: count them from it.
      const recordsAfter = recordsInFramesFrom(data, frame.checksummed ? offset : offset + 1);
      const torn = recordsAfter === undefined && frame.checksummed !== true;
      return {
        batches,
        validLength: offset,
        totalLength: data.length,
        damage: { offset, reason: frame.reason, torn, recordsAfter: recordsAfter ?? 0 },
      };
    }
    for (const record of frame.records) batches.push(record);
    offset = frame.end;
  }
  return { batches, validLength: offset, totalLength: data.length, damage: undefined };
}

/**
 * Records in the intact frames from the first one found at or after `start` (any byte offset, as
 * a damaged length field hides where frames begin); `undefined` if there is none.
 */
function recordsInFramesFrom(data: Buffer, start: number): number | undefined {
  for (let offset = start; offset + FRAME_HEADER < data.length; offset++) {
    let frame = readFrame(data, offset, undefined);
    if (!frame.ok) continue;
    let records = 0;
    while (frame.ok) {
      records += frame.records.length;
      if (frame.end >= data.length) break;
      frame = readFrame(data, frame.end, frame.records.at(-1)!.seqNum + 1);
    }
    return records;
  }
  return undefined;
}
