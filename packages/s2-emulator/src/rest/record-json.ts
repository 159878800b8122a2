import type { AppendInput, AppendOutput, Header } from "@retrykit/s2-proto";
import * as v1 from "@retrykit/s2-proto/v1";
import type { StoredRecord } from "../storage/storage.js";
import { array, describe, type JsonObject, object, optional, string, u64 } from "./json-check.js";
import { badHeader, badJson, restError } from "./rest-error.js";

/** How record header names, values and bodies are written in JSON: `s2-format`. */
export type RecordFormat = "raw" | "base64";

/** The `s2-format` header (`raw` by default; legacy `json` and `json-binsafe` accepted). */
export function recordFormat(header: string | undefined): RecordFormat {
  switch (header?.trim().toLowerCase()) {
    case undefined:
    case "":
    case "raw":
    case "json":
      return "raw";
    case "base64":
    case "json-binsafe":
      return "base64";
    default:
      throw badHeader(`s2-format must be raw or base64, got ${JSON.stringify(header)}`);
  }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function bytesFromJson(value: unknown, field: string, format: RecordFormat): Buffer {
  const text = string(value, field);
  if (format === "raw") return Buffer.from(text, "utf8");
  if (text.length % 4 !== 0 || !BASE64.test(text)) {
    throw badJson(`${field} must be base64 (s2-format: base64), got ${describe(value)}`);
  }
  return Buffer.from(text, "base64");
}

function bytesToJson(bytes: Uint8Array, format: RecordFormat): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  // Invalid UTF-8 becomes U+FFFD in raw format, as S2 does.
  return format === "raw" ? buffer.toString("utf8") : buffer.toString("base64");
}

/** A JSON `AppendInput` body as the model's append input for `stream`. */
export function appendInputFromJson(
  value: unknown,
  format: RecordFormat,
  stream: string,
): AppendInput {
  const json = object(value, "body");
  const records = array(json.records, "records").map((item, index) => {
    const field = `records[${index}]`;
    const record = object(item, field);
    const headers = (optional(record.headers, `${field}.headers`, array) ?? []).map(
      (pair, headerIndex): Header => {
        const headerField = `${field}.headers[${headerIndex}]`;
        const entry = array(pair, headerField);
        if (entry.length !== 2) {
          throw badJson(`${headerField} must be [name, value], got ${describe(pair)}`);
        }
        return {
          name: bytesFromJson(entry[0], `${headerField}[0]`, format),
          value: bytesFromJson(entry[1], `${headerField}[1]`, format),
        };
      },
    );
    return {
      timestamp: optional(record.timestamp, `${field}.timestamp`, u64),
      headers,
      body:
        record.body === undefined || record.body === null
          ? Buffer.alloc(0)
          : bytesFromJson(record.body, `${field}.body`, format),
    };
  });
  const fencingToken = optional(json.fencing_token, "fencing_token", string);
  if (fencingToken !== undefined && Buffer.byteLength(fencingToken, "utf8") > 36) {
    throw badJson("fencing_token must be at most 36 bytes");
  }
  return {
    stream,
    records,
    matchSeqNum: optional(json.match_seq_num, "match_seq_num", u64),
    fencingToken,
  };
}

/** A protobuf `s2.v1.AppendInput` as the model's append input for `stream`. */
export function appendInputFromProto(bytes: Uint8Array, stream: string): AppendInput {
  let decoded: v1.AppendInput;
  try {
    decoded = v1.AppendInput.decode(bytes);
  } catch (error) {
    throw Object.assign(
      restError("bad_proto", `AppendInput does not decode: ${(error as Error).message}`),
      {
        cause: error,
      },
    );
  }
  return {
    stream,
    records: decoded.records.map((record) => ({
      timestamp: record.timestamp,
      headers: record.headers,
      body: record.body,
    })),
    matchSeqNum: decoded.matchSeqNum,
    fencingToken: decoded.fencingToken,
  };
}

/** The model's append output as a v1 `AppendAck`. */
export function appendAck(output: AppendOutput): v1.AppendAck {
  return {
    start: { seqNum: output.startSeqNum, timestamp: output.startTimestamp },
    end: { seqNum: output.endSeqNum, timestamp: output.endTimestamp },
    tail: { seqNum: output.nextSeqNum, timestamp: output.lastTimestamp },
  };
}

/** A v1 stream position as JSON. */
export function positionToJson(position: v1.StreamPosition | undefined): JsonObject {
  return { seq_num: Number(position?.seqNum ?? 0n), timestamp: Number(position?.timestamp ?? 0n) };
}

/** A v1 `AppendAck` as JSON. */
export function appendAckToJson(ack: v1.AppendAck): JsonObject {
  return {
    start: positionToJson(ack.start),
    end: positionToJson(ack.end),
    tail: positionToJson(ack.tail),
  };
}

/** A batch of read records and the tail when following. */
export interface RestBatch {
  readonly records: readonly StoredRecord[];
  /** The tail, on batches produced while following the stream and on heartbeats. */
  readonly tail?: v1.StreamPosition | undefined;
}

/** A read batch as JSON (`headers` and `body` left out when empty, as S2 does). */
export function batchToJson(batch: RestBatch, format: RecordFormat): JsonObject {
  const json: JsonObject = {
    records: batch.records.map((record) => {
      const item: JsonObject = { seq_num: record.seqNum, timestamp: Number(record.timestamp) };
      if (record.headers.length > 0) {
        item.headers = record.headers.map((header) => [
          bytesToJson(header.name, format),
          bytesToJson(header.value, format),
        ]);
      }
      if (record.body.length > 0) item.body = bytesToJson(record.body, format);
      return item;
    }),
  };
  if (batch.tail !== undefined) json.tail = positionToJson(batch.tail);
  return json;
}

/** A read batch as a protobuf `s2.v1.ReadBatch`. */
export function batchToProto(batch: RestBatch): Uint8Array {
  return v1.ReadBatch.encode({
    records: batch.records.map((record) => ({
      seqNum: BigInt(record.seqNum),
      timestamp: record.timestamp,
      headers: record.headers,
      body: record.body,
    })),
    tail: batch.tail,
  }).finish();
}
