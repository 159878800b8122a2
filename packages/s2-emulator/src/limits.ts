import type { AppendRecord, Header, SequencedRecord } from "@retrykit/s2-proto";
import { invalid } from "./emulator-error.js";

/** Largest number of records in one append batch or one read batch. */
export const MAX_BATCH_RECORDS = 1000;
/** Largest metered size of one append batch or one read batch, in bytes (1 MiB). */
export const MAX_BATCH_BYTES = 1024 * 1024;
/** Largest page of a list call. */
export const MAX_LIST_LIMIT = 1000;
/** Longest fencing token, in UTF-8 bytes. */
export const MAX_FENCING_TOKEN_BYTES = 36;
/** Longest `s2-request-token`, in characters. */
export const MAX_REQUEST_TOKEN_LENGTH = 36;
/** Default retention of a stream: 7 days, in seconds. */
export const DEFAULT_RETENTION_AGE_SECS = 7n * 24n * 3600n;

const encoder = new TextEncoder();
const BASIN_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const BASIN_PREFIX = /^[a-z0-9-]*$/;

/** UTF-8 length of a string. */
export function utf8Length(value: string): number {
  return encoder.encode(value).length;
}

/** S2's metered size of a record: 8 + 2 per header + header names and values + body. */
export function meteredBytes(
  record: Pick<AppendRecord | SequencedRecord, "headers" | "body">,
): number {
  let size = 8 + record.body.length;
  for (const header of record.headers as Header[])
    size += 2 + header.name.length + header.value.length;
  return size;
}

/** Checks a basin name: 8 to 48 characters of `a-z`, `0-9`, `-`, not starting or ending with `-`. */
export function validateBasinName(name: string): void {
  if (name.length < 8 || name.length > 48) {
    throw invalid(`basin name must be 8 to 48 characters, got ${JSON.stringify(name)}`);
  }
  if (!BASIN_NAME.test(name)) {
    throw invalid(
      `basin name may contain only a-z, 0-9 and '-', and must start and end with a letter or digit, got ${JSON.stringify(name)}`,
    );
  }
}

/** Checks a basin prefix used to filter a listing. */
export function validateBasinPrefix(prefix: string): void {
  if (prefix.length > 48 || !BASIN_PREFIX.test(prefix)) {
    throw invalid(
      `basin prefix must be at most 48 characters of a-z, 0-9 and '-', got ${JSON.stringify(prefix)}`,
    );
  }
}

/** Checks a stream name: 1 to 512 bytes, not `.` or `..`. */
export function validateStreamName(name: string): void {
  const length = utf8Length(name);
  if (length < 1 || length > 512) {
    throw invalid(`stream name must be 1 to 512 bytes, got ${length} bytes`);
  }
  if (name === "." || name === "..")
    throw invalid(`stream name must not be ${JSON.stringify(name)}`);
}

/** Checks an access token ID: 1 to 96 bytes, not `.` or `..`. */
export function validateTokenId(id: string): void {
  const length = utf8Length(id);
  if (length < 1 || length > 96) {
    throw invalid(`access token id must be 1 to 96 bytes, got ${length} bytes`);
  }
  if (id === "." || id === "..") throw invalid(`access token id must not be ${JSON.stringify(id)}`);
}

/** Checks a fencing token: at most 36 UTF-8 bytes. */
export function validateFencingToken(token: string): void {
  if (utf8Length(token) > MAX_FENCING_TOKEN_BYTES) {
    throw invalid(`fencing token must be at most ${MAX_FENCING_TOKEN_BYTES} bytes`);
  }
}

/**
 * The page size of a list call: absent or 0 means the maximum, larger values are capped to it.
 */
export function listLimit(limit: bigint | undefined): number {
  if (limit === undefined || limit === 0n || limit > BigInt(MAX_LIST_LIMIT)) return MAX_LIST_LIMIT;
  return Number(limit);
}
