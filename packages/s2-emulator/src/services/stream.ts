import { status } from "@grpc/grpc-js";
import {
  type AppendInput,
  type AppendOutput,
  type AppendRequest,
  type AppendResponse,
  type AppendSessionRequest,
  type AppendSessionResponse,
  type CheckTailRequest,
  type CheckTailResponse,
  Operation,
  type ReadLimit,
  type ReadOutput,
  type ReadRequest,
  type ReadResponse,
  type ReadSessionRequest,
  type ReadSessionResponse,
  type SequencedRecord,
} from "@retrykit/s2-proto";
import { authorize } from "../auth.js";
import type { CallContext } from "../context.js";
import { EmulatorError, invalid } from "../emulator-error.js";
import { MAX_BATCH_BYTES, MAX_BATCH_RECORDS } from "../limits.js";
import type { AutoCreate } from "../model/account.js";
import { type Stream, validateAppendRecords } from "../model/stream.js";
import type { StoredRecord } from "../storage/storage.js";
import { waitForCommit } from "../wait-for-commit.js";
import { target } from "./basin.js";

/** Where a read starts (the oneof of Read and ReadSession). */
export type Start = ReadRequest["start"] | ReadSessionRequest["start"];

/** The stream a call names, after the permission check; created on access when the basin allows. */
export async function openStream(
  context: CallContext,
  op: Operation,
  name: string,
  autoCreate: AutoCreate,
): Promise<Stream> {
  const { basinName, streamName } = target(context, op, name);
  const account = context.core.account;
  return account.stream(account.basin(basinName), streamName, autoCreate);
}

function unavailable(message: string): EmulatorError {
  return new EmulatorError(status.UNAVAILABLE, message);
}

/** CheckTail. */
export async function checkTail(
  context: CallContext,
  request: CheckTailRequest,
): Promise<CheckTailResponse> {
  const stream = await openStream(context, Operation.OPERATION_CHECK_TAIL, request.stream, "read");
  return { nextSeqNum: BigInt(stream.nextSeqNum), lastTimestamp: stream.lastTimestamp };
}

/**
 * Appends one batch (unary Append, or one AppendSession input): validated, authorized per record
 * kind (fence and trim records need FENCE and TRIM), applied in order with every other append
 * on the stream, durable before it is acknowledged.
 */
export async function appendBatch(
  context: CallContext,
  input: AppendInput,
  streamName: string,
): Promise<AppendOutput> {
  const kinds = validateAppendRecords(input.records);
  if (input.fencingToken !== undefined) validateFencingTokenInput(input.fencingToken);
  const op = kinds.has("record")
    ? Operation.OPERATION_APPEND
    : kinds.has("fence")
      ? Operation.OPERATION_FENCE
      : Operation.OPERATION_TRIM;
  const stream = await openStream(context, op, streamName, "append");
  if (kinds.has("fence")) authorize(context.principal, Operation.OPERATION_FENCE);
  if (kinds.has("trim")) authorize(context.principal, Operation.OPERATION_TRIM);
  const account = context.core.account;
  const output = await stream.serialize(() => {
    if (stream.deletedAt !== undefined) {
      throw new EmulatorError(
        status.FAILED_PRECONDITION,
        `stream ${JSON.stringify(streamName)} is being deleted`,
      );
    }
    return stream.append(input, account.now(), account.storage);
  });
  if (context.core.faults.onAppendBatch(context.rpc)) {
    throw unavailable("injected fault: append applied but its acknowledgement was dropped");
  }
  return output;
}

function validateFencingTokenInput(token: string): void {
  if (Buffer.byteLength(token, "utf8") > 36)
    throw invalid("fencing_token must be at most 36 bytes");
}

/** Append (unary). */
export async function append(
  context: CallContext,
  request: AppendRequest,
): Promise<AppendResponse> {
  if (request.input === undefined) throw invalid("input is required");
  return { output: await appendBatch(context, request.input, request.input.stream) };
}

/** The writable half of a session call. */
export interface SessionSink<T> {
  /** Sends one message; resolves when the transport can take more. */
  send(message: T): Promise<void>;
}

/** A break fault planned for a session. */
export interface SessionBreak {
  /** End the session with UNAVAILABLE after this many responses. */
  readonly afterMessages: number;
  /** Reports that the session was broken (only then is the fault counted). */
  broke(): void;
}

function broken(fault: SessionBreak): EmulatorError {
  fault.broke();
  return unavailable("injected fault: session broken");
}

/**
 * AppendSession: inputs are applied strictly in order and answered one-to-one in order; the first
 * failure ends the session, and later inputs are not applied.
 */
export async function appendSession(
  context: CallContext,
  inputs: AsyncIterable<AppendSessionRequest>,
  sink: SessionSink<AppendSessionResponse>,
  breakFault: SessionBreak | undefined,
): Promise<void> {
  let streamName: string | undefined;
  let acknowledged = 0;
  if (breakFault?.afterMessages === 0) throw broken(breakFault);
  for await (const request of inputs) {
    if (context.signal.aborted) return;
    const input = request.input;
    if (input === undefined) throw invalid("input is required");
    if (streamName === undefined) {
      if (input.stream === "") throw invalid("the first input of a session must name the stream");
      streamName = input.stream;
    } else if (input.stream !== "" && input.stream !== streamName) {
      throw invalid(
        `a session appends to one stream: got ${JSON.stringify(input.stream)} after ${JSON.stringify(streamName)}`,
      );
    }
    const output = await appendBatch(context, input, streamName);
    await sink.send({ output });
    acknowledged++;
    if (breakFault !== undefined && acknowledged >= breakFault.afterMessages) {
      throw broken(breakFault);
    }
  }
}

function toWire(record: StoredRecord): SequencedRecord {
  return {
    seqNum: BigInt(record.seqNum),
    timestamp: record.timestamp,
    headers: record.headers,
    body: record.body,
  };
}

/** Resolves the start of a read; `undefined` means "beyond the tail, answer next_seq_num" (both APIs). */
export function resolveStart(stream: Stream, start: Start, clamp: boolean): number | undefined {
  let position: number;
  if (start === undefined) {
    position = 0;
  } else if (start.$case === "seqNum") {
    position =
      start.seqNum > BigInt(Number.MAX_SAFE_INTEGER)
        ? Number.MAX_SAFE_INTEGER
        : Number(start.seqNum);
  } else if (start.$case === "timestamp") {
    if (start.timestamp > stream.lastTimestamp) return clamp ? stream.nextSeqNum : undefined;
    position = stream.seqNumForTimestamp(start.timestamp);
  } else {
    const offset =
      start.tailOffset > BigInt(stream.nextSeqNum) ? stream.nextSeqNum : Number(start.tailOffset);
    position = stream.nextSeqNum - offset;
  }
  if (position > stream.nextSeqNum) return clamp ? stream.nextSeqNum : undefined;
  return Math.max(position, stream.firstSeqNum);
}

function limitOf(value: bigint | undefined, cap: number): number {
  // An explicit 0 means "no limit", like an absent one.
  if (value === undefined || value === 0n || value > BigInt(cap)) return cap;
  return Number(value);
}

function tail(stream: Stream): ReadOutput {
  return { output: { $case: "nextSeqNum", nextSeqNum: BigInt(stream.nextSeqNum) } };
}

/** Read (unary): at most 1000 records and 1 MiB; `next_seq_num` at or beyond the tail. */
export async function read(context: CallContext, request: ReadRequest): Promise<ReadResponse> {
  const stream = await openStream(context, Operation.OPERATION_READ, request.stream, "read");
  const start = resolveStart(stream, request.start, request.clamp);
  if (start === undefined || start >= stream.nextSeqNum) return { output: tail(stream) };
  const slice = stream.slice(
    start,
    limitOf(request.limit?.count, MAX_BATCH_RECORDS),
    limitOf(request.limit?.bytes, MAX_BATCH_BYTES),
    request.until,
  );
  return { output: { output: { $case: "batch", batch: { records: slice.records.map(toWire) } } } };
}

function isLimited(limit: ReadLimit | undefined, until: bigint | undefined): boolean {
  return (limit?.count ?? 0n) > 0n || (limit?.bytes ?? 0n) > 0n || until !== undefined;
}

/**
 * ReadSession: catches up from the start, then (without a limit or `until`) follows live appends,
 * sending a heartbeat when it starts following and after every quiet random interval, if asked.
 */
export async function readSession(
  context: CallContext,
  request: ReadSessionRequest,
  sink: SessionSink<ReadSessionResponse>,
  breakFault: SessionBreak | undefined,
): Promise<void> {
  const stream = await openStream(context, Operation.OPERATION_READ, request.stream, "read");
  const limited = isLimited(request.limit, request.until);
  let remainingCount =
    (request.limit?.count ?? 0n) > 0n ? Number(request.limit?.count) : Number.POSITIVE_INFINITY;
  let remainingBytes =
    (request.limit?.bytes ?? 0n) > 0n ? Number(request.limit?.bytes) : Number.POSITIVE_INFINITY;
  let sent = 0;
  const send = async (message: ReadSessionResponse) => {
    await sink.send(message);
    sent++;
    // Break right after the Nth message, not when a later one is due (that may take a while).
    if (breakFault !== undefined && sent >= breakFault.afterMessages) {
      throw broken(breakFault);
    }
  };
  if (breakFault?.afterMessages === 0) throw broken(breakFault);

  const start = resolveStart(stream, request.start, request.clamp);
  if (start === undefined || (limited && start >= stream.nextSeqNum)) {
    await send({ output: tail(stream) });
    return;
  }
  let position = start;
  let delivered = 0;
  let live = false;
  const { signal } = context;
  while (!signal.aborted) {
    if (stream.deletedAt !== undefined) {
      throw new EmulatorError(
        status.NOT_FOUND,
        `stream ${JSON.stringify(request.stream)} was deleted`,
      );
    }
    position = Math.max(position, stream.firstSeqNum);
    if (position < stream.nextSeqNum) {
      const slice = stream.slice(
        position,
        Math.min(MAX_BATCH_RECORDS, remainingCount),
        Math.min(MAX_BATCH_BYTES, remainingBytes),
        request.until,
      );
      if (slice.records.length > 0) {
        await send({
          output: { output: { $case: "batch", batch: { records: slice.records.map(toWire) } } },
        });
        delivered += slice.records.length;
        position = slice.records[slice.records.length - 1]!.seqNum + 1;
        remainingCount -= slice.records.length;
        remainingBytes -= slice.bytes;
      }
      // Ends: a limit is met, `until` is reached, or the next record does not fit the byte budget.
      if (remainingCount <= 0 || remainingBytes <= 0 || slice.reachedUntil) return;
      if (slice.records.length === 0) return;
      continue;
    }
    if (limited) {
      // Nothing between the start and the tail (for example, it was trimmed).
      if (delivered === 0) await send({ output: tail(stream) });
      return;
    }
    if (request.heartbeats && !live) await send({});
    live = true;
    // Quiet for a heartbeat interval (when asked for heartbeats): say so, then wait again.
    const { min, max } = context.core.heartbeatInterval;
    const quietFor = request.heartbeats ? min + context.core.random() * (max - min) : Infinity;
    const woke = await waitForCommit(context, stream, quietFor);
    if (woke === "timeout") await send({});
  }
}
