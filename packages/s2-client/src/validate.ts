import type { AppendInput, AppendRecord, ReadLimit } from "./records.js";

/** One mebibyte (1,048,576 bytes): the limit for a record, an append batch and a read batch. */
export const ONE_MIB = 1024 * 1024;
/** Most records one append batch may hold. */
export const MAX_BATCH_RECORDS = 1000;
/** Most metered bytes one append batch (and one record) may hold. */
export const MAX_BATCH_BYTES = ONE_MIB;
/** Longest fencing token, in UTF-8 bytes. */
export const MAX_FENCING_TOKEN_BYTES = 36;
/** Largest page of a list call. */
export const MAX_LIST_LIMIT = 1000;

const BASIN_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const MAX_U64 = 2n ** 64n - 1n;
const encoder = new TextEncoder();

/** Quotes a value for an error message, keeping it short. */
export function show(value: unknown): string {
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "string") {
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  }
  if (value instanceof Uint8Array) return `Uint8Array(${value.length})`;
  if (Array.isArray(value)) return `Array(${value.length})`;
  try {
    return String(value);
  } catch {
    return typeof value;
  }
}

/**
 * Checks a basin name: 8–48 characters of `a-z`, `0-9` and `-`, starting and ending with a letter
 * or digit.
 */
export function validateBasinName(name: unknown, parameter = "name"): asserts name is string {
  if (typeof name !== "string")
    throw new TypeError(`${parameter} must be a string, got ${show(name)}`);
  if (name.length < 8 || name.length > 48 || !BASIN_NAME.test(name)) {
    throw new RangeError(
      `${parameter} must be a basin name of 8 to 48 characters (a-z, 0-9, "-", not starting or ending with "-"), got ${show(name)}`,
    );
  }
}

/** Checks a stream name: 1–512 UTF-8 bytes, not `.` or `..`. */
export function validateStreamName(name: unknown, parameter = "name"): asserts name is string {
  validateNameBytes(name, parameter, 512, "stream name");
}

/** Checks an access token id: 1–96 UTF-8 bytes, not `.` or `..`. */
export function validateTokenId(id: unknown, parameter = "id"): asserts id is string {
  validateNameBytes(id, parameter, 96, "access token id");
}

function validateNameBytes(name: unknown, parameter: string, max: number, what: string): void {
  if (typeof name !== "string")
    throw new TypeError(`${parameter} must be a string, got ${show(name)}`);
  const bytes = encoder.encode(name).length;
  if (bytes < 1 || bytes > max || name === "." || name === "..") {
    throw new RangeError(
      `${parameter} must be a ${what} of 1 to ${max} bytes (not "." or ".."), got ${show(name)}`,
    );
  }
}

/** Checks a string option (list prefixes and cursors). */
export function validateString(value: unknown, parameter: string): asserts value is string {
  if (typeof value !== "string")
    throw new TypeError(`${parameter} must be a string, got ${show(value)}`);
}

/** Checks a list page size: an integer from 0 (server default) to 1000. */
export function validateListLimit(limit: unknown, parameter = "limit"): asserts limit is number {
  if (
    typeof limit !== "number" ||
    !Number.isInteger(limit) ||
    limit < 0 ||
    limit > MAX_LIST_LIMIT
  ) {
    throw new RangeError(
      `${parameter} must be an integer from 0 to ${MAX_LIST_LIMIT}, got ${show(limit)}`,
    );
  }
}

/** Converts a caller's u64 (bigint, or a safe non-negative integer) to bigint, or throws. */
export function toU64(value: unknown, parameter: string): bigint {
  if (typeof value === "bigint") {
    if (value >= 0n && value <= MAX_U64) return value;
  } else if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) {
    return BigInt(value);
  } else {
    throw new TypeError(
      `${parameter} must be a bigint or a non-negative integer, got ${show(value)}`,
    );
  }
  throw new RangeError(`${parameter} must be an unsigned 64-bit integer, got ${show(value)}`);
}

/** Checks a fencing token: a string of at most 36 UTF-8 bytes. */
export function validateFencingToken(
  token: unknown,
  parameter = "fencingToken",
): asserts token is string {
  if (typeof token !== "string")
    throw new TypeError(`${parameter} must be a string, got ${show(token)}`);
  if (encoder.encode(token).length > MAX_FENCING_TOKEN_BYTES) {
    throw new RangeError(
      `${parameter} must be at most ${MAX_FENCING_TOKEN_BYTES} UTF-8 bytes, got ${show(token)}`,
    );
  }
}

/** Checks one record's shape, header names and size. */
export function validateRecord(
  record: unknown,
  parameter = "record",
): asserts record is AppendRecord {
  checkedRecordBytes(record, parameter, -1);
}

const recordName = (parameter: string, index: number) =>
  index < 0 ? parameter : `${parameter}.records[${index}]`;

/**
 * Checks one record and returns its metered bytes. Runs for every record of every append, so it
 * allocates nothing on success: the record's name in messages (`input.records[3]`) is built only
 * when one is thrown.
 */
function checkedRecordBytes(record: unknown, parameter: string, index: number): number {
  if (typeof record !== "object" || record === null) {
    throw new TypeError(
      `${recordName(parameter, index)} must be a record object, got ${show(record)}`,
    );
  }
  const { body, headers, timestamp } = record as Partial<AppendRecord>;
  if (!(body instanceof Uint8Array)) {
    throw new TypeError(
      `${recordName(parameter, index)}.body must be a Uint8Array, got ${show(body)}`,
    );
  }
  let size = 8 + body.length;
  if (headers !== undefined) {
    if (!Array.isArray(headers))
      throw new TypeError(
        `${recordName(parameter, index)}.headers must be an array, got ${show(headers)}`,
      );
    for (let i = 0; i < headers.length; i++) {
      const header: unknown = headers[i];
      if (
        !Array.isArray(header) ||
        header.length !== 2 ||
        !(header[0] instanceof Uint8Array) ||
        !(header[1] instanceof Uint8Array)
      ) {
        throw new TypeError(
          `${recordName(parameter, index)}.headers[${i}] must be a [Uint8Array, Uint8Array] pair, got ${show(header)}`,
        );
      }
      if (header[0].length === 0) {
        if (headers.length !== 1) {
          throw new RangeError(
            `${recordName(parameter, index)}.headers[${i}] has an empty name, allowed only as the sole header of a command record`,
          );
        }
        checkCommandRecord(header[1], body, recordName(parameter, index));
      }
      size += 2 + header[0].length + header[1].length;
    }
  }
  if (timestamp !== undefined) toU64(timestamp, `${recordName(parameter, index)}.timestamp`);
  if (size > MAX_BATCH_BYTES) {
    throw new RangeError(
      `${recordName(parameter, index)} must be at most ${MAX_BATCH_BYTES} metered bytes, got ${size}`,
    );
  }
  return size;
}

const FENCE = encoder.encode("fence");
const TRIM = encoder.encode("trim");
const sameBytes = (a: Uint8Array, b: Uint8Array) =>
  a.length === b.length && a.every((byte, i) => byte === b[i]);
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Checks a command record (its sole header has an empty name) as the server would: the command is
 * `fence` (body: a UTF-8 fencing token of at most 36 bytes) or `trim` (body: an 8-byte sequence
 * number).
 */
function checkCommandRecord(command: Uint8Array, body: Uint8Array, name: string): void {
  if (sameBytes(command, FENCE)) {
    let token: string;
    try {
      token = utf8.decode(body);
    } catch (error) {
      throw new RangeError(`${name}.body of a fence command must be UTF-8`, { cause: error });
    }
    validateFencingToken(token, `${name}.body`);
  } else if (sameBytes(command, TRIM)) {
    if (body.length !== 8) {
      throw new RangeError(
        `${name}.body of a trim command must be 8 bytes (a sequence number), got ${body.length}`,
      );
    }
  } else {
    throw new RangeError(
      `${name} is a command record (sole header with an empty name) with an unknown command: its value must be "fence" or "trim", got ${show(new TextDecoder().decode(command))}`,
    );
  }
}

/**
 * Checks an append batch before it is sent: 1–1000 valid records, at most 1 MiB of metered bytes,
 * a valid `matchSeqNum` and `fencingToken`. Returns the batch's metered bytes.
 */
export function validateAppendInput(input: unknown, parameter = "input"): number {
  if (typeof input !== "object" || input === null) {
    throw new TypeError(`${parameter} must be an append input object, got ${show(input)}`);
  }
  const { records, matchSeqNum, fencingToken } = input as Partial<AppendInput>;
  if (!Array.isArray(records)) {
    throw new TypeError(`${parameter}.records must be an array, got ${show(records)}`);
  }
  if (records.length < 1 || records.length > MAX_BATCH_RECORDS) {
    throw new RangeError(
      `${parameter}.records must hold 1 to ${MAX_BATCH_RECORDS} records, got ${records.length}`,
    );
  }
  let total = 0;
  for (let i = 0; i < records.length; i++) total += checkedRecordBytes(records[i], parameter, i);
  if (total > MAX_BATCH_BYTES) {
    throw new RangeError(
      `${parameter}.records must be at most ${MAX_BATCH_BYTES} metered bytes in all, got ${total}`,
    );
  }
  if (matchSeqNum !== undefined) toU64(matchSeqNum, `${parameter}.matchSeqNum`);
  if (fencingToken !== undefined) validateFencingToken(fencingToken, `${parameter}.fencingToken`);
  return total;
}

/** Checks a read start and returns it as `{ kind, value }`. */
export function validateReadStart(
  start: unknown,
  parameter = "start",
): { kind: "seqNum" | "timestamp" | "tailOffset"; value: bigint } {
  if (typeof start === "object" && start !== null) {
    const keys = Object.keys(start).filter(
      (k) => (start as Record<string, unknown>)[k] !== undefined,
    );
    if (keys.length === 1) {
      const kind = keys[0] as "seqNum" | "timestamp" | "tailOffset";
      if (kind === "seqNum" || kind === "timestamp" || kind === "tailOffset") {
        return {
          kind,
          value: toU64((start as Record<string, unknown>)[kind], `${parameter}.${kind}`),
        };
      }
    }
  }
  throw new TypeError(
    `${parameter} must be one of { seqNum }, { timestamp } or { tailOffset }, got ${show(start && JSON.stringify(start, (_k, v) => (typeof v === "bigint" ? `${v}n` : v)))}`,
  );
}

/**
 * Checks read limits. `cap` (unary reads) bounds them to 1000 records and 1 MiB.
 */
export function validateReadLimit(
  limit: unknown,
  cap: boolean,
  parameter = "limit",
): { count?: bigint; bytes?: bigint } | undefined {
  if (limit === undefined) return undefined;
  if (typeof limit !== "object" || limit === null) {
    throw new TypeError(`${parameter} must be { count?, bytes? }, got ${show(limit)}`);
  }
  const { count, bytes } = limit as ReadLimit;
  const result: { count?: bigint; bytes?: bigint } = {};
  if (count !== undefined) {
    result.count = toU64(count, `${parameter}.count`);
    if (cap && result.count > BigInt(MAX_BATCH_RECORDS)) {
      throw new RangeError(
        `${parameter}.count must be at most ${MAX_BATCH_RECORDS} for a read, got ${show(count)}`,
      );
    }
  }
  if (bytes !== undefined) {
    result.bytes = toU64(bytes, `${parameter}.bytes`);
    if (cap && result.bytes > BigInt(MAX_BATCH_BYTES)) {
      throw new RangeError(
        `${parameter}.bytes must be at most ${MAX_BATCH_BYTES} for a read, got ${show(bytes)}`,
      );
    }
  }
  return result;
}

/** Checks a `{ signal }` option. */
export function validateSignal(
  signal: unknown,
  parameter = "signal",
): asserts signal is AbortSignal | undefined {
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`${parameter} must be an AbortSignal, got ${show(signal)}`);
  }
}
