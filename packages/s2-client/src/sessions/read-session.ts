import { status } from "@grpc/grpc-js";
import { currentAttempt } from "@retrykit/retry-core";
import type { ReadSessionRequest, SequencedRecordBatch } from "@retrykit/s2-proto";
import { S2Error } from "../errors.js";
import { type SequencedRecord, Tail } from "../records.js";
import type { ReadSessionProtocol, Transport } from "../transport/transport.js";
import { sequencedRecordsFromWire } from "../wire.js";

/** An item of a read session attempt: records, the tail (last item), or records all filtered out. @internal */
export type ReadItem = SequencedRecord[] | Tail | typeof FILTERED;

/**
 * Yielded for a batch of only command records filtered out for the caller: records were read, so
 * the session progressed (the retry engine counts every item as progress), but there is nothing to
 * deliver. Heartbeats are not yielded: they prove the connection alive, not that the session got
 * anywhere, so a server that sends one and then fails must use up the retries like any other.
 * @internal
 */
export const FILTERED: unique symbol = Symbol("filtered");

/**
 * How far a read session got over all its attempts, counted on the records the server sent
 * (command records included, even when they are filtered out for the caller).
 *
 * @internal
 */
export class ReadProgress {
  readonly original: ReadSessionRequest;
  lastSeqNum: bigint | undefined;
  count = 0n;
  /** Metered bytes read, counted only when the original request has a bytes limit. */
  bytes = 0n;

  constructor(original: ReadSessionRequest) {
    this.original = original;
  }

  advance(batch: SequencedRecordBatch): void {
    const records = batch.records;
    if (records.length === 0) return;
    this.lastSeqNum = records[records.length - 1]!.seqNum;
    this.count += BigInt(records.length);
    // Metered bytes matter only to a bytes limit; without one, skip the pass over the records.
    if (this.original.limit?.bytes === undefined) return;
    let bytes = 0;
    for (const record of records) {
      bytes += 8 + record.body.length;
      for (const header of record.headers) bytes += 2 + header.name.length + header.value.length;
    }
    this.bytes += BigInt(bytes);
  }

  /** True when a count or bytes limit of the original request has been met. */
  limitMet(): boolean {
    const limit = this.original.limit;
    return (
      (limit?.count !== undefined && limit.count !== 0n && this.count >= limit.count) ||
      (limit?.bytes !== undefined && limit.bytes !== 0n && this.bytes >= limit.bytes)
    );
  }

  /**
   * The request that continues after the last record delivered: start at `lastSeqNum + 1` (a
   * timestamp or tail-offset start stays as it was until a record gave an absolute position), and
   * the limits reduced by what was already read.
   */
  resumed(): ReadSessionRequest {
    if (this.lastSeqNum === undefined) return this.original;
    const request: ReadSessionRequest = {
      ...this.original,
      start: { $case: "seqNum", seqNum: this.lastSeqNum + 1n },
    };
    const limit = this.original.limit;
    if (limit !== undefined) {
      request.limit = {};
      if (limit.count !== undefined)
        request.limit.count = limit.count === 0n ? 0n : max0(limit.count - this.count);
      if (limit.bytes !== undefined)
        request.limit.bytes = limit.bytes === 0n ? 0n : max0(limit.bytes - this.bytes);
    }
    return request;
  }
}

const max0 = (value: bigint) => (value < 0n ? 0n : value);

/** The arguments of one read session attempt. @internal */
export interface ReadSessionArgs {
  readonly request: ReadSessionRequest;
  readonly progress: ReadProgress;
  readonly ignoreCommandRecords: boolean;
  readonly signal: AbortSignal | undefined;
  /** How a REST transport carries the session. */
  readonly protocol: ReadSessionProtocol;
  /**
   * With heartbeats: the longest silence (ms) while waiting for the server (no records, no
   * heartbeat) before the attempt fails with a retryable `DEADLINE_EXCEEDED`.
   */
  readonly idleTimeout: number | undefined;
}

/** The session retry's `resume` hook: the next attempt continues after the last record delivered. @internal */
export function resumeReadSession(state: { args: readonly unknown[] }): readonly unknown[] {
  const args = state.args[0] as ReadSessionArgs;
  return [{ ...args, request: args.progress.resumed() }];
}

/**
 * One attempt of a read session: streams the server's batches and ends after a tail answer. With
 * `idleTimeout`, every answer (records or heartbeat) restarts the silence clock, which runs only
 * while the attempt waits for the server (not while the caller holds a batch).
 *
 * @internal
 */
export async function* readSessionAttempt(
  transport: Transport,
  basin: string,
  args: ReadSessionArgs,
): AsyncGenerator<ReadItem, void, undefined> {
  const attempt = currentAttempt();
  const signal = attempt?.signal ?? args.signal;
  if (signal?.aborted) throw signal.reason;
  // A limit met just before a failure leaves nothing to read (and a zero limit would mean none).
  if (args.progress.limitMet()) return;
  const call = transport.readSession(basin, args.request, args.protocol);
  const cancel = () => call.cancel();
  signal?.addEventListener("abort", cancel, { once: true });
  let ended = false;
  // One timer for the whole attempt, re-armed only when it fires: answers just move `lastHeard`.
  const idle = args.idleTimeout;
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  let lastHeard = Date.now();
  let waiting = true;
  let silent: S2Error | undefined;
  const onIdle = () => {
    const quiet = Date.now() - lastHeard;
    if (!waiting || quiet < (idle as number)) {
      idleTimer = setTimeout(onIdle, waiting ? (idle as number) - quiet : (idle as number));
      return;
    }
    idleTimer = undefined;
    silent = new S2Error(
      `read session: nothing from the server (not even a heartbeat) within ${idle} ms`,
      {
        code: status.DEADLINE_EXCEEDED,
      },
    );
    call.cancel();
  };
  if (idle !== undefined) idleTimer = setTimeout(onIdle, idle);
  // Set when the server advises a reconnect (it is draining): this session ends after what it
  // delivered, and the next continues after the last record.
  let advised = false;
  try {
    for await (const response of call) {
      lastHeard = Date.now();
      const output = response.output;
      if (output === undefined) {
        // A heartbeat: alive, but no progress.
        if (response.reconnectAdvised) {
          advised = true;
          break;
        }
        continue;
      }
      waiting = false;
      if (output.$case === "nextSeqNum") {
        ended = true;
        yield new Tail(output.nextSeqNum, 0n);
        return;
      }
      args.progress.advance(output.batch);
      const records = sequencedRecordsFromWire(output.batch, args.ignoreCommandRecords);
      yield records.length > 0 ? records : FILTERED;
      lastHeard = Date.now();
      waiting = true;
      if (response.reconnectAdvised) {
        advised = true;
        break;
      }
    }
    ended = !advised;
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    if (silent !== undefined) throw silent;
    throw S2Error.from(error);
  } finally {
    if (idleTimer !== undefined) clearTimeout(idleTimer);
    signal?.removeEventListener("abort", cancel);
    if (!ended) call.cancel();
  }
  if (silent !== undefined) throw silent;
  if (advised && !args.progress.limitMet()) {
    throw new S2Error("read session: the server advised reconnecting", {
      code: status.UNAVAILABLE,
    });
  }
}
