import type { StreamPosition } from "@retrykit/s2-proto/v1";
import type { CallContext } from "../context.js";
import { MAX_BATCH_BYTES, MAX_BATCH_RECORDS } from "../limits.js";
import type { Stream } from "../model/stream.js";
import { resolveStart, type Start } from "../services/stream.js";
import { waitForCommit } from "../wait-for-commit.js";
import type { RestBatch } from "./record-json.js";
import { badQuery, invalidInput, RestError, restError } from "./rest-error.js";

/** The longest `wait` of a unary read, seconds. */
export const MAX_UNARY_WAIT_SECS = 60;

/** A read's query: where to start, when to stop. */
export interface ReadParams {
  readonly start: Start;
  readonly clamp: boolean;
  /** Records to read in total; 0 or absent: no limit (a unary read caps at 1000). */
  readonly count: number;
  /** Metered bytes to read in total; 0 or absent: no limit (a unary read caps at 1 MiB). */
  readonly bytes: number;
  /** Stop before the first record with a timestamp at or after this. */
  readonly until: bigint | undefined;
  /** Longest quiet gap, seconds; absent: 0 for bounded reads, forever for unbounded sessions. */
  readonly waitSecs: number | undefined;
  /** Counted already by an earlier SSE session this one resumes (`Last-Event-ID`). */
  readonly resumed: { readonly count: number; readonly bytes: number };
}

function u64(query: URLSearchParams, name: string): bigint | undefined {
  const text = query.get(name);
  if (text === null) return undefined;
  if (!/^\d{1,20}$/.test(text) || BigInt(text) > 0xffff_ffff_ffff_ffffn) {
    throw badQuery(`${name} must be an unsigned 64-bit integer, got ${JSON.stringify(text)}`);
  }
  return BigInt(text);
}

function small(value: bigint | undefined): number {
  return value === undefined
    ? 0
    : value > BigInt(Number.MAX_SAFE_INTEGER)
      ? Number.MAX_SAFE_INTEGER
      : Number(value);
}

/** Parses a read's query string (and an SSE `Last-Event-ID`, which moves the start on). */
export function parseReadQuery(query: URLSearchParams, lastEventId?: string): ReadParams {
  const seqNum = u64(query, "seq_num");
  const timestamp = u64(query, "timestamp");
  const tailOffset = u64(query, "tail_offset");
  const starts = [seqNum, timestamp, tailOffset].filter((value) => value !== undefined).length;
  if (starts > 1)
    throw invalidInput("at most one of seq_num, timestamp and tail_offset may be set");
  const clampText = query.get("clamp");
  if (clampText !== null && clampText !== "true" && clampText !== "false") {
    throw badQuery(`clamp must be true or false, got ${JSON.stringify(clampText)}`);
  }
  const wait = u64(query, "wait");
  if (wait !== undefined && wait > 0xffff_ffffn) {
    throw badQuery(`wait must be a 32-bit number of seconds, got ${wait}`);
  }
  const until = u64(query, "until");
  if (until !== undefined && timestamp !== undefined && timestamp >= until) {
    throw invalidInput("timestamp must be before until");
  }
  let start: Start =
    seqNum !== undefined
      ? { $case: "seqNum", seqNum }
      : timestamp !== undefined
        ? { $case: "timestamp", timestamp }
        : { $case: "tailOffset", tailOffset: tailOffset ?? 0n };
  let count = small(u64(query, "count"));
  let bytes = small(u64(query, "bytes"));
  let resumed = { count: 0, bytes: 0 };
  if (lastEventId !== undefined && lastEventId !== "") {
    const match = /^(\d+),(\d+),(\d+)$/.exec(lastEventId.trim());
    if (match === null) {
      throw restError(
        "bad_header",
        `Last-Event-ID must be seq_num,count,bytes, got ${JSON.stringify(lastEventId)}`,
      );
    }
    start = { $case: "seqNum", seqNum: BigInt(match[1]!) + 1n };
    resumed = { count: Number(match[2]), bytes: Number(match[3]) };
    if (count > 0) count = Math.max(1, count - resumed.count);
    if (bytes > 0) bytes = Math.max(1, bytes - resumed.bytes);
  }
  return {
    start,
    clamp: clampText === "true",
    count,
    bytes,
    until,
    waitSecs: wait === undefined ? undefined : Number(wait),
    resumed,
  };
}

/** The stream's tail: next sequence number and last timestamp. */
export function tailOf(stream: Stream): StreamPosition {
  return { seqNum: BigInt(stream.nextSeqNum), timestamp: stream.lastTimestamp };
}

/** 416 with the tail: the read starts beyond it (or at it, and may not wait). */
export function rangeNotSatisfiable(stream: Stream): RestError {
  const tail = tailOf(stream);
  return new RestError(416, {
    tail: { seq_num: Number(tail.seqNum), timestamp: Number(tail.timestamp) },
  });
}

function streamGone(stream: Stream): RestError {
  return restError(
    "stream_deletion_pending",
    `stream ${JSON.stringify(stream.name)} is being deleted`,
  );
}

/**
 * A unary read: at most 1000 records and 1 MiB; at or beyond the tail it is 416 unless it may
 * wait (`wait`, at most 60 s), in which case it returns what arrives first, or an empty batch.
 */
export async function readOnce(
  context: CallContext,
  stream: Stream,
  params: ReadParams,
): Promise<RestBatch> {
  const count = params.count > 0 ? Math.min(params.count, MAX_BATCH_RECORDS) : MAX_BATCH_RECORDS;
  const bytes = params.bytes > 0 ? Math.min(params.bytes, MAX_BATCH_BYTES) : MAX_BATCH_BYTES;
  const waitMs = Math.min(params.waitSecs ?? 0, MAX_UNARY_WAIT_SECS) * 1000;
  const start = resolveStart(stream, params.start, params.clamp);
  if (start === undefined) throw rangeNotSatisfiable(stream);
  if (start >= stream.nextSeqNum && waitMs === 0) throw rangeNotSatisfiable(stream);
  const deadline = Date.now() + waitMs;
  let waited = false;
  for (;;) {
    if (stream.deletedAt !== undefined) throw streamGone(stream);
    const position = Math.max(start, stream.firstSeqNum);
    if (position < stream.nextSeqNum) {
      const slice = stream.slice(position, count, bytes, params.until);
      return { records: slice.records, tail: waited ? tailOf(stream) : undefined };
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) return { records: [], tail: tailOf(stream) };
    const woke = await waitForCommit(context, stream, remaining);
    if (woke === "aborted") return { records: [], tail: tailOf(stream) };
    waited = true;
  }
}

/**
 * Checks, before a session answers 200, that the read may start: 416 beyond the tail, or at the
 * tail when it may not follow. Returns the start position.
 */
export function startOfSession(stream: Stream, params: ReadParams): number {
  const start = resolveStart(stream, params.start, params.clamp);
  if (start === undefined) throw rangeNotSatisfiable(stream);
  if (start >= stream.nextSeqNum && sessionWaitMs(params) === 0) throw rangeNotSatisfiable(stream);
  return start;
}

function isBounded(params: ReadParams): boolean {
  return params.count > 0 || params.bytes > 0 || params.until !== undefined;
}

function sessionWaitMs(params: ReadParams): number {
  if (params.waitSecs !== undefined) return params.waitSecs * 1000;
  return isBounded(params) ? 0 : Number.POSITIVE_INFINITY;
}

/**
 * A read session (s2s or SSE): catches up from `start` in batches of at most 1000 records and
 * 1 MiB, then follows new records (batches carry the tail), with a heartbeat when it starts
 * following and after every quiet random interval. Ends when a limit or `until` is reached, or
 * when `wait` passes without a record; ends quietly when the call is aborted.
 */
export async function* readSession(
  context: CallContext,
  stream: Stream,
  params: ReadParams,
  start: number,
): AsyncGenerator<RestBatch> {
  let remainingCount = params.count > 0 ? params.count : Number.POSITIVE_INFINITY;
  let remainingBytes = params.bytes > 0 ? params.bytes : Number.POSITIVE_INFINITY;
  const waitMs = sessionWaitMs(params);
  const { min, max } = context.core.heartbeatInterval;
  let position = start;
  let following = false;
  let lastRecordAt = Date.now();
  const { signal } = context;
  while (!signal.aborted) {
    if (stream.deletedAt !== undefined) throw streamGone(stream);
    position = Math.max(position, stream.firstSeqNum);
    if (position < stream.nextSeqNum) {
      const slice = stream.slice(
        position,
        Math.min(MAX_BATCH_RECORDS, remainingCount),
        Math.min(MAX_BATCH_BYTES, remainingBytes),
        params.until,
      );
      if (slice.records.length > 0) {
        position = slice.records[slice.records.length - 1]!.seqNum + 1;
        remainingCount -= slice.records.length;
        remainingBytes -= slice.bytes;
        lastRecordAt = Date.now();
        yield { records: slice.records, tail: following ? tailOf(stream) : undefined };
      }
      if (remainingCount <= 0 || remainingBytes <= 0 || slice.reachedUntil) return;
      // The next record does not fit the byte budget.
      if (slice.records.length === 0) return;
      continue;
    }
    const quietFor = Date.now() - lastRecordAt;
    if (quietFor >= waitMs) return;
    if (!following) {
      following = true;
      yield { records: [], tail: tailOf(stream) };
    }
    const heartbeatIn = min + context.core.random() * (max - min);
    const waitLeft = waitMs - (Date.now() - lastRecordAt);
    const woke = await waitForCommit(context, stream, Math.min(heartbeatIn, waitLeft));
    if (woke === "aborted") return;
    if (woke === "timeout") {
      if (Date.now() - lastRecordAt >= waitMs) return;
      yield { records: [], tail: tailOf(stream) };
    }
  }
}
