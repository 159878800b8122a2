import { show, toU64, validateFencingToken } from "./validate.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A header: name and value bytes. */
export type Header = readonly [name: Uint8Array, value: Uint8Array];

/** Bytes, or a string sent as its UTF-8 encoding. */
export type Bytes = Uint8Array | string;

/** A sequence number or timestamp given by the caller: a `bigint` or a safe non-negative integer. */
export type U64 = bigint | number;

/** A record to append. Build one with {@link AppendRecord.make} or write the object directly. */
export interface AppendRecord {
  /** Record body. */
  readonly body: Uint8Array;
  /** Headers, in order; names must not be empty (except in a command record). */
  readonly headers?: readonly Header[];
  /** Client timestamp (milliseconds since the Unix epoch by convention). */
  readonly timestamp?: U64;
}

/** Command-record operations understood by S2. */
export type CommandName = "fence" | "trim";

/** Builders for append records. */
export const AppendRecord = Object.freeze({
  /**
   * A record from a string or bytes body, with optional headers (strings or bytes) and timestamp.
   *
   * @example
   * ```ts
   * const record = AppendRecord.make("hello", { headers: [["type", "greeting"]] });
   * ```
   */
  make(
    body: Bytes,
    options: { headers?: Iterable<readonly [Bytes, Bytes]>; timestamp?: U64 } = {},
  ): AppendRecord {
    // Checked here, when the record is made: a number body would otherwise travel as far as the
    // wire encoder and fail there, far from the mistake.
    const bytes = checkedBytes(body, "body");
    const headers: Header[] = [];
    let i = 0;
    for (const [name, value] of options.headers ?? []) {
      headers.push([
        checkedBytes(name, `headers[${i}][0]`),
        checkedBytes(value, `headers[${i}][1]`),
      ]);
      i++;
    }
    return options.timestamp === undefined
      ? { body: bytes, headers }
      : { body: bytes, headers, timestamp: options.timestamp };
  },

  /**
   * A `fence` command record: from its position on, appends that carry a fencing token must carry
   * `token` (UTF-8, at most 36 bytes). An empty token clears the fence.
   */
  fence(token: string): AppendRecord {
    validateFencingToken(token, "token");
    return commandRecord("fence", encoder.encode(token));
  },

  /**
   * A `trim` command record: records before `seqNum` become eligible for deletion.
   */
  trim(seqNum: U64): AppendRecord {
    // Checked first: DataView would silently wrap a negative or oversized value.
    const value = toU64(seqNum, "seqNum");
    const body = new Uint8Array(8);
    new DataView(body.buffer).setBigUint64(0, value);
    return commandRecord("trim", body);
  },
});

function commandRecord(name: CommandName, body: Uint8Array): AppendRecord {
  return { body, headers: [[new Uint8Array(0), encoder.encode(name)]] };
}

/** A record read from a stream. */
export interface SequencedRecord {
  /** Position of the record in the stream. */
  readonly seqNum: bigint;
  /** Timestamp of the record (milliseconds since the Unix epoch by convention). */
  readonly timestamp: bigint;
  /** Headers, in order. */
  readonly headers: readonly Header[];
  /** Record body. */
  readonly body: Uint8Array;
}

/** A batch of records for one atomic append. */
export interface AppendInput {
  /** 1 to 1000 records, at most 1 MiB of metered bytes in all. */
  readonly records: readonly AppendRecord[];
  /** Append only if the first record would get this sequence number. */
  readonly matchSeqNum?: U64;
  /** Append only if the stream's fencing token equals this one (UTF-8, at most 36 bytes). */
  readonly fencingToken?: string;
}

/** The result of an append: where its records landed. */
export interface AppendOutput {
  /** Sequence number of the first appended record. */
  readonly startSeqNum: bigint;
  /** Sequence number after the last appended record (`end - start` = record count). */
  readonly endSeqNum: bigint;
  /** The stream's tail after the append (greater than `endSeqNum` if others appended since). */
  readonly nextSeqNum: bigint;
  /** Timestamp of the first appended record. */
  readonly startTimestamp: bigint;
  /** Timestamp of the last appended record. */
  readonly endTimestamp: bigint;
  /** Timestamp of the last durable record of the stream. */
  readonly lastTimestamp: bigint;
}

/**
 * The tail of a stream: the sequence number the next record will get and the timestamp of the
 * last record. A read returns it instead of records when it starts at or beyond the tail.
 */
export class Tail {
  /** Sequence number the next appended record will get. */
  readonly nextSeqNum: bigint;
  /** Timestamp of the last record (0 when unknown or the stream is empty). */
  readonly lastTimestamp: bigint;

  constructor(nextSeqNum: bigint, lastTimestamp: bigint) {
    this.nextSeqNum = nextSeqNum;
    this.lastTimestamp = lastTimestamp;
  }
}

/** Where a read starts: a sequence number, a timestamp (first record at or after it), or an offset back from the tail. */
export type ReadStart =
  | { readonly seqNum: U64 }
  | { readonly timestamp: U64 }
  | { readonly tailOffset: U64 };

/** Read limits; whichever is reached first ends the read. */
export interface ReadLimit {
  /** Maximum number of records. */
  readonly count?: U64;
  /** Maximum metered bytes. */
  readonly bytes?: U64;
}

/** True for a command record (exactly one header, with an empty name). */
export function isCommandRecord(record: { readonly headers?: readonly Header[] }): boolean {
  const headers = record.headers;
  return headers !== undefined && headers.length === 1 && headers[0]![0].length === 0;
}

/** The body of a record decoded as UTF-8. */
export function bodyText(record: { readonly body: Uint8Array }): string {
  return decoder.decode(record.body);
}

/** Headers decoded as UTF-8 `[name, value]` pairs. */
export function headersText(record: {
  readonly headers?: readonly Header[];
}): Array<[string, string]> {
  return (record.headers ?? []).map(([name, value]) => [
    decoder.decode(name),
    decoder.decode(value),
  ]);
}

/** {@link toBytes} for a value from the caller: anything but a string or bytes is a TypeError naming `parameter`. */
function checkedBytes(value: unknown, parameter: string): Uint8Array {
  if (typeof value === "string") return encoder.encode(value);
  if (value instanceof Uint8Array) return value;
  throw new TypeError(`${parameter} must be a string or bytes (Uint8Array), got ${show(value)}`);
}

/** UTF-8 bytes of a string; bytes are returned unchanged. */
export function toBytes(value: Bytes): Uint8Array {
  return typeof value === "string" ? encoder.encode(value) : value;
}
